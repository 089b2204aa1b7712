"""Kills and corruptions at awkward moments: does anything get lost?

    python -m bench.faults [--work-dir DIR] [--fashion-mnist DIR]

Each kill scenario runs `gan-tf` in a child process that sends itself SIGKILL at a chosen
moment (mid-epoch, between a checkpoint's renames, mid-way through the final `model.keras`,
after an export's files are written but before the rename), then runs the same command again
and compares the result with an uninterrupted run (max absolute weight difference; an export
is compared by the images its `sample` signature draws). The NaN scenarios train with huge
learning rates, check the kept checkpoint is finite and resume it with sane rates. The hostile
folder has every kind of awkward entry; every one must end up written, rejected or ignored;
the looping folder (`ln -s . cats/loop`, two `ln -s ..`) must be read once, in seconds. The
disk-full scenarios make each write site (checkpoint, final save, export, sample, preprocess)
meet ENOSPC: one line, nothing partial, the kept state still resumes. The bad translate batch
mixes an empty, a cut and a decompression-bomb file among six good ones.
Tiny FashionGAN settings on the first 256 real Fashion-MNIST images: a few minutes on 2 cores.
"""

import errno
import gzip
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

import numpy as np

from bench import harness

TINY = ["--generator-filters", "8", "--discriminator-filters", "8,8,8,8", "--latent-dim", "16"]
EPOCHS, BATCH, LIMIT = 3, 32, 128
STEPS = LIMIT // BATCH


def train_args(data, run_dir):
    return ["train", "fashion_gan", "--data", data, "--run-dir", run_dir, "--epochs", str(EPOCHS),
            "--batch-size", str(BATCH), "--limit", str(LIMIT), "--monitor-images", "4",
            "--deterministic", "--no-jit", "--log-every", "0", *TINY]


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def inject(moment):
    """Patches this (child) process to kill itself at `moment`."""
    import keras

    from gan_tf.serving import export
    from gan_tf.training import callbacks

    if moment == "mid-epoch":  # the second step of epoch 2
        original_step = callbacks.TrainingClock.on_train_batch_end

        def step(self, batch, logs=None):
            original_step(self, batch, logs)
            if self.step == STEPS + 2:
                die()
        callbacks.TrainingClock.on_train_batch_end = step
    elif moment == "mid-checkpoint":  # epoch 2's state staged, `current` already moved away
        original_publish = callbacks.EpochCheckpoint._publish

        def publish(self, staging):
            if self.kept_epoch != 1:
                return original_publish(self, staging)
            current, previous = self._candidates()
            shutil.rmtree(previous, ignore_errors=True)
            os.rename(current, previous)
            die()
        callbacks.EpochCheckpoint._publish = publish
    elif moment == "mid-final-save":  # half of the .keras file written
        original_save = keras.Model.save

        def save(self, path, *args, **kwargs):
            original_save(self, path, *args, **kwargs)
            with open(path, "r+b") as handle:
                handle.truncate(os.path.getsize(path) // 2)
            die()
        keras.Model.save = save
    elif moment == "mid-export":  # the SavedModel and warm-up written, not yet renamed into place
        original_warmup = export.write_warmup_requests

        def write_warmup_requests(*args, **kwargs):
            original_warmup(*args, **kwargs)
            die()
        export.write_warmup_requests = write_warmup_requests
    elif moment in DISK_FULL:
        inject_disk_full(moment)


DISK_FULL = ("disk-full-checkpoint", "disk-full-final-save", "disk-full-export", "disk-full-sample",
             "disk-full-preprocess")


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def inject_disk_full(moment):
    """Patches this (child) process so the write site of `moment` meets a full disk."""
    import keras

    from gan_tf.serving import export
    from gan_tf.training import callbacks

    if moment == "disk-full-checkpoint":  # epoch 2's state half-staged
        original_stage = callbacks.EpochCheckpoint._stage

        def stage(self, staging, epoch):
            original_stage(self, staging, epoch)
            if epoch == 1:
                no_space()
        callbacks.EpochCheckpoint._stage = stage
    elif moment == "disk-full-final-save":
        keras.Model.save = no_space
    elif moment == "disk-full-export":
        export.write_warmup_requests = no_space
    elif moment == "disk-full-sample":  # the output folder's probe already meets it
        os.write = no_space
    elif moment == "disk-full-preprocess":
        from apache_beam.io.localfilesystem import LocalFileSystem

        LocalFileSystem.create = no_space


def gan_tf(args, moment=None, check=True):
    """Runs `gan-tf ARGS` in a child process (killed at `moment`); returns it."""
    code = ("import sys; from bench.faults import inject; inject(sys.argv[1]); "
            "from gan_tf.cli import main; sys.exit(main(sys.argv[2:]))")
    env = {**os.environ, "CI": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", code, moment or "none", *args], env=env,
                            capture_output=True, text=True)
    if check and moment is None and result.returncode:
        raise RuntimeError(f"gan-tf {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result


def weights(path):
    from gan_tf.models.base import load_trained_model
    from gan_tf.registry import import_models

    import_models()
    return [np.asarray(w) for w in load_trained_model(path).weights]


def max_difference(a, b):
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


def leftovers(folder):
    return [os.path.join(d, n) for d, names, files in os.walk(folder) for n in names + files
            if ".tmp-" in n or n.startswith("beam-temp")]


def kill_and_resume(data, work, moment, reference):
    run_dir = os.path.join(work, moment)
    killed = gan_tf(train_args(data, run_dir), moment)
    outcome = f"killed (rc {killed.returncode})"
    resumed = gan_tf(train_args(data, run_dir))
    line = next((l for l in resumed.stdout.splitlines() if l.startswith("resuming")), "started over")
    difference = max_difference(weights(run_dir), reference)
    kept = difference < 1e-5 and not leftovers(run_dir) and killed.returncode == -signal.SIGKILL
    return f"{outcome}; rerun: {line}", kept, difference


def export_scenario(work, reference_run):
    from gan_tf.serving.sample_client import sample_grid

    clean, base = os.path.join(work, "export-clean"), os.path.join(work, "export-killed")
    gan_tf(["export", reference_run, "--output", clean])
    killed = gan_tf(["export", reference_run, "--output", base], "mid-export")
    left = len(leftovers(base))
    gan_tf(["export", reference_run, "--output", base])
    versions = sorted(os.listdir(os.path.join(base, "fashion_gan")))
    a, _ = sample_grid(os.path.join(clean, "fashion_gan"), 9, 0, 10, None)
    b, _ = sample_grid(os.path.join(base, "fashion_gan"), 9, 0, 10, None)
    difference = float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))
    kept = versions == ["1"] and not leftovers(base) and killed.returncode == -signal.SIGKILL
    return (f"killed (rc {killed.returncode}), {left} temporary left; rerun: versions {versions}",
            kept, difference)


def nan_scenarios(data, work, rates=(1e2, 1e4, 1e6)):
    from gan_tf.training import driver as training
    from gan_tf.training.callbacks import NonFiniteLossError, non_finite_arrays

    settings = dict(epochs=EPOCHS, batch_size=BATCH, limit=LIMIT, monitor_images=4, jit=False,
                    log_every=0, verbose=0, generator_filters=8, discriminator_filters=(8, 8, 8, 8),
                    latent_dim=16)
    rows = []
    for rate in rates:
        run_dir = os.path.join(work, f"nan-{rate:g}")
        try:
            training.train("fashion_gan", data, run_dir=run_dir, g_learning_rate=rate,
                           d_learning_rate=rate, **settings)
            outcome = "finished"
        except NonFiniteLossError as error:
            outcome = "stopped: " + str(error).split(";")[0][:60]
        current = os.path.join(run_dir, "backup", "current", "model.weights.h5")
        finite = not os.path.exists(current) or not non_finite_arrays(current)
        try:
            run = training.train("fashion_gan", data, run_dir=run_dir, **{**settings, "epochs": EPOCHS + 1})
            resumed = f"resumed at 1e-4 after epoch {run.first_epoch}"
        except NonFiniteLossError as error:
            resumed, finite = f"resume failed: {str(error)[:50]}", False
        rows.append((f"NaN guard, learning rates {rate:g}", f"{outcome}; {resumed}", finite, None))
    return rows


def hostile_folder(root):
    """Every kind of awkward entry an image folder can hold."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for path in ("cats/001.png", "cats/002.jpg", "dogs/001.png", "cats/.hidden.png", ".git/x.png"):
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), np.uint8)).save(os.path.join(root, path))
    os.makedirs(os.path.join(root, "birds"))
    for name, data in ((".DS_Store", b"\0\0\0\1Bud1"), ("dogs/notes.txt", b"text"),
                       ("dogs/empty.png", b""), ("dogs/cut.png", open(os.path.join(root, "cats/001.png"), "rb").read()[:60])):
        with open(os.path.join(root, name), "wb") as handle:
            handle.write(data)
    os.symlink(os.path.join(root, "dogs", "gone.png"), os.path.join(root, "dogs", "dangling.png"))
    Image.fromarray(rng.integers(0, 255, (24, 24, 3), np.uint8)).save(
        os.path.join(os.fsencode(root), b"cats", b"caf\xe9.png"), format="PNG")
    return 1 + sum(len(files) for folder, _, files in os.walk(root) if ".git" not in folder)


def hostile_scenario(work):
    root, output = os.path.join(work, "hostile"), os.path.join(work, "hostile-data")
    entries = hostile_folder(root)
    args = ["preprocess", "image_folder", "--source", root, "--output", output, "--image-size", "16",
            "--train-shards", "1"]
    strict = gan_tf([*args, "--strict"], check=False)
    gan_tf(args)
    metadata = json.load(open(os.path.join(output, "metadata.json")))
    train = metadata["splits"]["train"]
    accounted = train["count"] + train["rejected"] + len(metadata["ignored"])
    outcome = (f"{train['count']} written, {train['rejected']} rejected, {len(metadata['ignored'])} "
               f"ignored of {entries} entries; empty classes {metadata['empty_classes']}; "
               f"--strict rc {strict.returncode}")
    return outcome, accounted == entries and strict.returncode == 1, None


def concurrent_scenario(data, work):
    """A second training on a busy run folder, then SIGTERM to the first."""
    import time

    run_dir = os.path.join(work, "concurrent")
    args = train_args(data, run_dir)
    args[args.index("--epochs") + 1] = "1000"
    first = subprocess.Popen([sys.executable, "-m", "gan_tf.cli", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "CI": "1", "TF_CPP_MIN_LOG_LEVEL": "2"})
    state = os.path.join(run_dir, "backup", "current", "state.json")
    while first.poll() is None and not os.path.exists(state):
        time.sleep(0.1)
    second = gan_tf(args, check=False)
    first.send_signal(signal.SIGTERM)
    stopped = first.communicate()[1].strip().splitlines()[-1:]
    refused = second.returncode == 1 and f"in use by process {first.pid}" in second.stderr
    outcome = (f"second rc {second.returncode} ({'refused, PID named' if refused else 'NOT refused'}); "
               f"first on SIGTERM rc {first.returncode}: {stopped[0][:90] if stopped else '-'}")
    return outcome, refused and first.returncode == 128 + signal.SIGTERM and "Traceback" not in "".join(stopped), None


def changed_data_scenario(data, work, reference_run):
    """The finished reference run rerun with another --limit: refused, then allowed."""
    run_dir = os.path.join(work, "changed-data")
    shutil.copytree(reference_run, run_dir)
    args = train_args(data, run_dir)
    args[args.index("--limit") + 1] = str(LIMIT // 2)
    refused = gan_tf(args, check=False)
    allowed = gan_tf([*args, "--allow-data-change"], check=False)
    line = refused.stderr.strip().splitlines()[-1] if refused.stderr.strip() else "-"
    kept = refused.returncode == 1 and "trained on other data" in line and allowed.returncode == 0
    return f"rc {refused.returncode}: {line[:100]}; with --allow-data-change rc {allowed.returncode}", kept, None


def one_clean_line(result):
    """Whether a failed command said why in one line, without a traceback."""
    lines = result.stderr.strip().splitlines()
    return result.returncode == 1 and len(lines) == 1 and "Traceback" not in result.stderr


def disk_full_scenarios(data, work, reference_run, reference):
    """Each write site meets ENOSPC; the same command then runs on a disk with room."""
    image_folder = os.path.join(work, "hostile")
    folders = {moment: os.path.join(work, moment) for moment in DISK_FULL}
    sites = {  # moment: (command, the final name that must not appear half-written)
        "disk-full-checkpoint": (train_args(data, folders["disk-full-checkpoint"]), "model.keras"),
        "disk-full-final-save": (train_args(data, folders["disk-full-final-save"]), "model.keras"),
        "disk-full-export": (["export", reference_run, "--output", folders["disk-full-export"]], "fashion_gan/1"),
        "disk-full-sample": (["sample", "--model", os.path.join(work, "export-clean", "fashion_gan"),
                              "--output", os.path.join(folders["disk-full-sample"], "grid.png")], "grid.png"),
        "disk-full-preprocess": (["preprocess", "image_folder", "--source", image_folder, "--output",
                                  os.path.join(folders["disk-full-preprocess"], "data"), "--image-size", "16"],
                                 "data/metadata.json"),
    }
    rows = []
    for moment, (args, final) in sites.items():
        output = folders[moment]
        full = gan_tf(args, moment, check=False)
        line = full.stderr.strip().splitlines()[-1] if full.stderr.strip() else "-"
        partial = os.path.exists(os.path.join(output, final)) or leftovers(output)
        again = gan_tf(args, check=False)
        kept = one_clean_line(full) and "No space left on device" in line and not partial and again.returncode == 0
        difference = None
        if moment in ("disk-full-checkpoint", "disk-full-final-save"):
            difference = max_difference(weights(output), reference)
            kept = kept and difference < 1e-5
        rows.append((moment.replace("-", " "), f"rc {full.returncode}: {line[:110]}; rerun rc {again.returncode}",
                     kept, difference))
    return rows


def bomb_png(path, side=30000):
    """A few bytes of PNG whose header claims side x side pixels."""
    from gan_tf.data.records import PNG_SIGNATURE, _png_chunk

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    with open(path, "wb") as handle:
        handle.write(PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IEND", b""))


def bad_translate_batch(folder):
    """(good files, inputs): six good images with an empty, a cut and a decompression-bomb file
    among them (the empty one second)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    good = [os.path.join(folder, f"good{index}.png") for index in range(6)]
    for path in good:
        Image.fromarray(rng.integers(0, 256, (12, 9, 3), np.uint8)).save(path)
    empty, cut, bomb = (os.path.join(folder, name) for name in ("empty.png", "cut.png", "bomb.png"))
    open(empty, "wb").close()
    with open(cut, "wb") as handle:
        handle.write(open(good[0], "rb").read()[:40])
    bomb_png(bomb)
    return good, [good[0], empty, *good[1:3], cut, *good[3:], bomb]


def translate_batch_scenario(work):
    """A tiny CycleGAN export translating a batch holding three bad files."""
    import keras

    from gan_tf.families.cyclegan.config import CycleGANConfig
    from gan_tf.families.cyclegan.model import CycleGAN
    from gan_tf.serving import export

    keras.utils.set_random_seed(0)
    model = CycleGAN(CycleGANConfig(image_size=32, generator_filters=4, discriminator_filters=4, residual_blocks=1))
    base, inputs_dir, out = (os.path.join(work, name) for name in ("translate-export", "translate-in", "translate-out"))
    export.export(model, base, "cyclegan_tiny")
    os.makedirs(inputs_dir, exist_ok=True)
    good, inputs = bad_translate_batch(inputs_dir)
    result = gan_tf(["translate", "--model", os.path.join(base, "cyclegan_tiny"), "--tile", "32", "--overlap", "4",
                     *inputs, "--output", out], check=False)
    written = sorted(os.listdir(out)) if os.path.isdir(out) else []
    summary = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "-"
    kept = (result.returncode == 1 and written == sorted(os.path.basename(p) for p in good)
            and "Traceback" not in result.stderr and "3 of 9 inputs rejected" in summary)
    return f"rc {result.returncode}, {len(written)} of {len(good)} good files written; {summary[:100]}", kept, None


def looping_folder(root):
    """Two classes of real files with `ln -s . cats/loop` and two `ln -s ..` loops."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for path in ("cats/001.png", "cats/002.png", "dogs/001.png"):
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), np.uint8)).save(os.path.join(root, path))
    for link, target in (("cats/loop", "."), ("cats/up", ".."), ("dogs/up", "..")):
        os.symlink(target, os.path.join(root, link))
    return 3


def symlink_loop_scenario(work, seconds=120):
    root, output = os.path.join(work, "looping"), os.path.join(work, "looping-data")
    images = looping_folder(root)
    try:
        result = subprocess.run([sys.executable, "-m", "gan_tf.cli", "preprocess", "image_folder", "--source", root,
                                 "--output", output, "--image-size", "16", "--train-shards", "1"],
                                capture_output=True, text=True, timeout=seconds,
                                env={**os.environ, "CI": "1", "TF_CPP_MIN_LOG_LEVEL": "2"})
    except subprocess.TimeoutExpired:
        return f"still walking after {seconds} s", False, None
    if result.returncode:
        return f"rc {result.returncode}: {result.stderr.strip().splitlines()[-1:]}", False, None
    metadata = json.load(open(os.path.join(output, "metadata.json")))
    loops = sorted(entry["path"] for entry in metadata["ignored"] if "symlink" in entry["reason"])
    count = metadata["splits"]["train"]["count"]
    kept = count == images and metadata["class_names"] == ["cats", "dogs"] and len(loops) == 3
    return f"{count} records from {images} images, classes {metadata['class_names']}, ignored {loops}", kept, None


def subset_idx(source, work_dir, train, test):
    """The first `train`/`test` records of `source`'s Fashion-MNIST IDX files as IDX files under
    `work_dir` (the pipeline's input)."""
    folder = os.path.join(work_dir, f"fashion_mnist_{train}_{test}")
    os.makedirs(folder, exist_ok=True)
    for prefix, count in (("train", train), ("t10k", test)):
        for kind, ndim in (("images-idx3", 3), ("labels-idx1", 1)):
            name = f"{prefix}-{kind}-ubyte.gz"
            with gzip.open(os.path.join(source, name)) as handle:
                header = handle.read(4 + 4 * ndim)
                dims = struct.unpack(f">{ndim}I", header[4:])
                size = int(np.prod(dims[1:])) if ndim > 1 else 1
                body = handle.read(count * size)
            with gzip.open(os.path.join(folder, name), "wb") as handle:
                handle.write(header[:4] + struct.pack(f">{ndim}I", count, *dims[1:]) + body)
    return folder


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--work-dir", help="where the runs go (default: a temporary folder)")
    harness.FASHION_MNIST.add_flag(parser)
    args = parser.parse_args(argv)
    source = harness.FASHION_MNIST.path(args.fashion_mnist)
    work = args.work_dir or tempfile.mkdtemp(prefix="gan_tf_faults_")
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.datasets import idx_source

    data = os.path.join(work, "data")
    preprocess.run(idx_source("fashion_mnist", subset_idx(source, work, 256, 64)), data, shards={"train": 2})
    reference_run = os.path.join(work, "reference")
    gan_tf(train_args(data, reference_run))
    reference = weights(reference_run)
    rows = [(f"kill {moment}", *kill_and_resume(data, work, moment, reference))
            for moment in ("mid-epoch", "mid-checkpoint", "mid-final-save")]
    rows.append(("kill mid-export", *export_scenario(work, reference_run)))
    rows += nan_scenarios(data, work)
    rows.append(("hostile image folder", *hostile_scenario(work)))
    rows.append(("concurrent train + SIGTERM", *concurrent_scenario(data, work)))
    rows.append(("resume on changed --limit", *changed_data_scenario(data, work, reference_run)))
    rows += disk_full_scenarios(data, work, reference_run, reference)
    rows.append(("bad translate batch", *translate_batch_scenario(work)))
    rows.append(("symlink loops in an image folder", *symlink_loop_scenario(work)))
    print()
    harness.print_table(["scenario", "outcome", "nothing lost", "max weight difference vs uninterrupted"],
                        [(scenario, outcome, "yes" if kept else "NO",
                          "-" if difference is None else f"{difference:.3g}")
                         for scenario, outcome, kept, difference in rows])
    print(f"\n(runs in {work})")


if __name__ == "__main__":
    main()
