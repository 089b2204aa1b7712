"""CycleGAN and pix2pix training speed beside their peers: the keras.io CycleGAN example and the
TensorFlow docs' pix2pix tutorial (`bench.peers`), with FLOPs and the matmul roofline.

    python -m bench.image_to_image_peers [--size 256] [--steps 2] [--rounds 2]
        [--pairs cyclegan,cyclegan_nopool,pix2pix] [--jit on,off] [--data DATASETS_DIR|none] [--json out.json]

For each pair, gan_tf's model (CycleGAN: ResNet-9 generators and 70x70 PatchGANs, its default,
whose history pool costs a third discriminator pass; cyclegan_nopool: the same without the
pool, the example's work; pix2pix: U-Net and PatchGAN) and the peer are built with XLA on
and/or off, warmed up with one step each (tracing, compiling), then timed in rounds (gan_tf
then peer, then peer then gan_tf, ...) of `--steps` `fit` steps on one fixed batch of 1 image
(`gan_tf.data.reader.repeated_batch`: without tf.data's autotuning, whose thread made some rounds wait
idle as long again at the end of `fit`): the first horse2zebra trainA/trainB images or the
first facades pair (label map -> photo, as the tutorial) from `--data` (default
`$GAN_TF_DATASETS`, `bench.harness`), random images in [-1, 1] with `--data none`. A round
also times the float32 matmul rate, the machine's dense rate at that moment.

FLOPs per iteration are counted from the train step itself, after the timed rounds, by
`bench.roofline.graph_flops` (TensorFlow's cost model over the ops the step runs), and the
matmul rate is `bench.roofline.matmul_rate`: the same accounting as `python -m bench`'s rows.
The roofline fraction is FLOPs x iterations/s over the matmul rate.
"""

import os
import statistics

import tensorflow as tf

from bench import harness, roofline
from bench.peers import keras_io_cyclegan, tf_pix2pix_tutorial
from gan_tf.data import jitter
from gan_tf.data.reader import TANH_RANGE, repeated_batch, scale_images
from gan_tf.families.cyclegan.config import CycleGANConfig
from gan_tf.families.cyclegan.model import CycleGAN
from gan_tf.families.pix2pix.config import Pix2PixConfig
from gan_tf.families.pix2pix.model import Pix2Pix
from gan_tf.training import devices, driver as training

PAIRS = {
    "cyclegan": {"gan_tf": lambda size, jit: training.build_model(
                     CycleGAN, CycleGANConfig(image_size=size), jit=jit),
                 "peer": keras_io_cyclegan.build, "peer_name": "keras.io example"},
    # the keras.io step's work: no history pool, so each discriminator runs twice, not three times
    "cyclegan_nopool": {"gan_tf": lambda size, jit: training.build_model(
                            CycleGAN, CycleGANConfig(image_size=size, pool_size=0), jit=jit),
                        "peer": keras_io_cyclegan.build, "peer_name": "keras.io example"},
    "pix2pix": {"gan_tf": lambda size, jit: training.build_model(
                    Pix2Pix, Pix2PixConfig(image_size=size), jit=jit),
                "peer": tf_pix2pix_tutorial.build, "peer_name": "TF tutorial"},
}
JITS = {"on": True, "off": False}


def _read_image(path):
    return tf.io.decode_jpeg(tf.io.read_file(path), channels=3)


def _first_file(folder):
    return os.path.join(folder, sorted(os.listdir(folder))[0])


def fixed_batch(pair, size, data_dir=None):
    """The (a, b) / (input, target) batch of one image both implementations train on."""
    if data_dir is None:
        draw = lambda seed: tf.random.uniform((1, size, size, 3), -1.0, 1.0, seed=seed)
        return draw(1), draw(2)
    if pair.startswith("cyclegan"):
        root = os.path.join(data_dir, "horse2zebra")
        images = [_read_image(_first_file(os.path.join(root, split))) for split in ("trainA", "trainB")]
    else:  # facades: photo on the left, label map on the right; the tutorial maps label -> photo
        pair_image = _read_image(_first_file(os.path.join(data_dir, "facades", "train")))
        width = pair_image.shape[1] // 2
        images = [pair_image[:, width:], pair_image[:, :width]]
    return tuple(scale_images(image, TANH_RANGE)[None] for image in jitter.resize(images, size))


def iteration_rate(model, dataset, steps):
    """Train iterations/s of `fit` for `steps` steps (the model is already warmed up)."""
    with harness.Timer() as timer:
        model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return steps / timer.seconds


def measure_pair(pair, size, steps, rounds, jits, data_dir=None):
    """Rows (one per implementation and XLA setting) of iterations/s per round, FLOPs per
    iteration and the matmul rates measured in the same rounds."""
    batch = fixed_batch(pair, size, data_dir)
    dataset = repeated_batch(batch)
    rows = [{"pair": pair, "implementation": implementation, "jit": jit, "iterations_per_second": []}
            for jit in jits for implementation in ("gan_tf", "peer")]
    # Every model is built before any runs: building one reseeds the global RNG
    # (`keras.utils.set_random_seed`), after which a model warmed up earlier ran its first
    # timed step far slower (gan_tf's rounds 1 at 128 and 256 px, jit off: 2-4x).
    models = [PAIRS[pair][row["implementation"]](size, row["jit"]) for row in rows]
    for model in models:
        model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0, shuffle=False)  # trace, compile, build
    matmul = []
    # every other round in reverse, so that neither implementation always runs first after
    # the matmul timing
    order = list(zip(rows, models))
    for index in range(rounds):
        matmul.append(roofline.matmul_rate() * 1e9)
        for row, model in order if index % 2 == 0 else order[::-1]:
            row["iterations_per_second"].append(iteration_rate(model, dataset, steps))
    flops = {}  # after the rounds: tracing the step again slowed the next timed step
    for row, model in zip(rows, models):
        if row["implementation"] not in flops:
            flops[row["implementation"]] = roofline.graph_flops(model.train_step, [batch])
        row["flops_per_iteration"] = flops[row["implementation"]]
    for row in rows:
        row["matmul_flops_per_second"] = statistics.mean(matmul)
        row["mean_iterations_per_second"] = statistics.mean(row["iterations_per_second"])
        achieved = row["flops_per_iteration"] * row["mean_iterations_per_second"]
        row["achieved_flops_per_second"] = achieved
        row["roofline_fraction"] = achieved / row["matmul_flops_per_second"]
    return rows


def ratios(rows):
    """gan_tf / peer iterations/s per pair and XLA setting: the mean rates' ratio, each
    round's, and their median, which a machine changing speed between rounds moves least
    (run `--steps 1` with many rounds to pair the two step by step)."""
    found = {}
    for row in rows:
        found.setdefault((row["pair"], row["jit"]), {})[row["implementation"]] = row
    result = []
    for (pair, jit), both in found.items():
        ours, peer = both["gan_tf"], both["peer"]
        result.append({"pair": pair, "jit": jit,
                       "ratio": ours["mean_iterations_per_second"] / peer["mean_iterations_per_second"],
                       "round_ratios": [a / b for a, b in zip(ours["iterations_per_second"],
                                                                peer["iterations_per_second"])]})
        result[-1]["median_round_ratio"] = statistics.median(result[-1]["round_ratios"])
    return result


COLUMNS = ["pair", "implementation", "jit", "it/s per round", "it/s", "GFLOP/it", "GFLOP/s", "of matmul"]


def cells(row):
    """A row's cells under `COLUMNS`."""
    return [row["pair"], "gan_tf" if row["implementation"] == "gan_tf" else PAIRS[row["pair"]]["peer_name"],
            "on" if row["jit"] else "off", " ".join(f"{rate:.4f}" for rate in row["iterations_per_second"]),
            f"{row['mean_iterations_per_second']:.4f}", f"{row['flops_per_iteration'] / 1e9:.1f}",
            f"{row['achieved_flops_per_second'] / 1e9:.1f}", f"{100 * row['roofline_fraction']:.1f}%"]


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows and ratios")
    parser.add_argument("--size", type=int, default=256, help="image side in pixels")
    parser.add_argument("--steps", type=int, default=2, help="timed steps per round and setting")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds")
    parser.add_argument("--pairs", type=harness.comma_list(choices=PAIRS, what="pair(s)"), default="cyclegan,pix2pix",
                        help="comma-separated: " + ", ".join(PAIRS))
    parser.add_argument("--jit", type=harness.comma_list(choices=JITS, what="jit settings"), default="on,off",
                        help="XLA settings to time: on, off or both")
    harness.DATASETS.add_flag(parser, help=f"{harness.DATASETS.what} (images); 'none' for random batches")
    args = parser.parse_args(argv)
    data_dir = None if args.data == "none" else harness.DATASETS.path(args.data)
    devices.prepare()
    print(f"device: {devices.describe_device()}; {args.size} px, batch 1, {args.steps} step(s) x "
          f"{args.rounds} round(s); load average {os.getloadavg()[0]:.1f}")
    harness.print_table(COLUMNS)
    jits = [JITS[jit] for jit in args.jit]
    rows, notes = [], []
    for pair in args.pairs:
        pair_rows = measure_pair(pair, args.size, args.steps, args.rounds, jits, data_dir)
        for row in pair_rows:
            harness.print_row(cells(row))
        notes.append(f"{pair}: float32 2048x2048 matmul {pair_rows[0]['matmul_flops_per_second'] / 1e9:.1f} "
                     f"GFLOP/s (mean of the rounds); load average after it {os.getloadavg()[0]:.1f}")
        rows += pair_rows
    print("\n".join(notes))
    for entry in ratios(rows):
        per_round = ", ".join(f"{r:.2f}" for r in entry["round_ratios"])
        print(f"{entry['pair']} jit {'on' if entry['jit'] else 'off'}: gan_tf / peer = "
              f"{entry['ratio']:.2f} (rounds: {per_round}; median {entry['median_round_ratio']:.2f})")
    if args.json:
        harness.write_json(args.json, {"size": args.size, "rows": rows, "ratios": ratios(rows)})
    return rows


if __name__ == "__main__":
    main()
