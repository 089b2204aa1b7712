"""Kills and corruptions at awkward moments: does anything get lost?

    python -m bench.faults [--work-dir DIR]

Each kill scenario runs `gan-tf` in a child process that sends itself SIGKILL at a chosen
moment (mid-epoch, between a checkpoint's renames, mid-way through the final `model.keras`,
after an export's files are written but before the rename), then runs the same command again
and compares the result with an uninterrupted run (max absolute weight difference; an export
is compared by the images its `sample` signature draws). The NaN scenarios train with huge
learning rates, check the kept checkpoint is finite and resume it with sane rates. The hostile
folder has every kind of awkward entry; every one must end up written, rejected or ignored.
Tiny FashionGAN settings on the first 256 real Fashion-MNIST images: a few minutes on 2 cores.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import numpy as np

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

    from gan_tf import callbacks, export

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
    from gan_tf.sampling import sample_grid

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
    from gan_tf import training
    from gan_tf.callbacks import NonFiniteLossError, non_finite_arrays

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", help="where the runs go (default: a temporary folder)")
    args = parser.parse_args(argv)
    work = args.work_dir or tempfile.mkdtemp(prefix="gan_tf_faults_")
    from bench.stackgan_throughput import subset_idx
    from pipeline import preprocess
    from pipeline.datasets import idx_source

    data = os.path.join(work, "data")
    preprocess.run(idx_source("fashion_mnist", subset_idx(work, 256, 64)), data, shards={"train": 2})
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
    print("\n| scenario | outcome | nothing lost | max weight difference vs uninterrupted |\n|---|---|---|---|")
    for scenario, outcome, kept, difference in rows:
        shown = "-" if difference is None else f"{difference:.3g}"
        print(f"| {scenario} | {outcome} | {'yes' if kept else 'NO'} | {shown} |")
    print(f"\n(runs in {work})")


if __name__ == "__main__":
    main()
