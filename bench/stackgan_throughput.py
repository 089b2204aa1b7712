"""StackGAN: training throughput of Stage-I and Stage-II steps, per configuration.

    python -m bench.stackgan_throughput [--runs fast fast:generator_filters=32 ...] [--rounds 2]
        [--batch-size 64] [--timed-steps 5] [--no-jit] [--json out.json]

Images/s of one full step (D update on real/wrong/fake pairs, G update with KL) of each stage
of each run spec, on fixed random tensors so only the step is timed (first epoch, with tracing,
excluded), for captioned Fashion-MNIST's data (greyscale, 384-d MiniLM embeddings; the `fast`
preset: Stage-I 32 px, Stage-II 64 px); `--rounds` alternates the runs, for side-by-side
ratios on a shared machine. The text-conditioning accuracy is measured against training time
by the one quality run (`python -m bench.quality_run stackgan --runs stage1=fast
stage2=fast:stage=2+stage1_model=stage1`).
"""

import argparse
import dataclasses
import os
import tempfile

import tensorflow as tf

from bench import harness
from bench.quality_run import parse_run
from bench.report import StepTimer
from gan_tf import registry
from gan_tf.data.reader import repeated_batch
from gan_tf.families.stackgan.model import StackGANStageI
from gan_tf.training import devices, driver as training

def step_rate(config, stage, batch_size, steps, jit):
    """images/s of full training steps of one stage on fixed random batches (Stage-II over an
    untrained Stage-I: the weights do not change the cost)."""
    with tempfile.TemporaryDirectory() as folder:
        stage1 = os.path.join(folder, "stage1.keras")
        if stage == 2:
            StackGANStageI(dataclasses.replace(config, stage=1)).save(stage1)
        config = dataclasses.replace(config, stage=stage, seed=0, stage1_model=stage1)
        model = training.build_model(StackGANStageI.model_class_for(config), config, jit=jit)
    size = model.image_size(config)
    embeddings = tf.random.normal([batch_size, config.embedding_dim])
    batch = {"images": tf.random.uniform([batch_size, size, size, config.channels], -1.0, 1.0),
             "embeddings": embeddings, "wrong_embeddings": tf.roll(embeddings, 1, 0)}
    callback = StepTimer()
    model.fit(repeated_batch(batch), epochs=2, steps_per_epoch=steps,
              callbacks=[callback], verbose=0, shuffle=False)
    return batch_size * steps / callback.timer.laps[-1]


def main(argv=None):
    parser = harness.parser(__doc__, json="the results")
    parser.add_argument("--runs", nargs="+", default=["fast"],
                        help="PRESET[:field=value+...] each (as bench.quality_run), sizes for 384-d greyscale data")
    parser.add_argument("--rounds", type=int, default=1, help="rounds over the runs, alternating")
    parser.add_argument("--batch-size", type=int, default=registry.family("stackgan").batch_size("fast"))
    parser.add_argument("--timed-steps", type=int, default=5, help="steps timed per stage")
    parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    devices.prepare()
    results = {**harness.machine(), "batch_size": args.batch_size, "jit": args.jit, "rates": {}}
    print(f"device: {results['device']}; batch {args.batch_size}; jit {args.jit}; 384-d embeddings, 1 channel")
    for round_index in range(args.rounds):
        for spec in args.runs:
            name, preset, overrides = parse_run(spec, "stackgan")
            _, config = training.resolve_config("stackgan", None, preset, **overrides)
            config = dataclasses.replace(config, channels=1, embedding_dim=384)
            for stage in (1, 2):
                rate = step_rate(config, stage, args.batch_size, args.timed_steps, args.jit)
                results["rates"].setdefault(f"{name} stage {stage}", []).append(round(rate, 1))
                print(f"round {round_index}: {name} stage {stage}: {rate:.1f} images/s", flush=True)
    print()
    harness.print_table(["run, stage", "images/s per round"],
                        [(key, ", ".join(map(str, rates))) for key, rates in results["rates"].items()])
    if args.json:
        harness.write_json(args.json, results)


if __name__ == "__main__":
    main()
