"""Work per GAN step: the sources' step (D update on fresh fakes, then G update with a second
generator forward), with real and fake through D in two calls (the book's) or one, against one
generator forward per step (`simultaneous_updates`), each with XLA on and off, in alternating
rounds in one process.

    python -m bench.step_variants [--family fashion_gan] [--preset fast] [--batch-size 64]
        [--steps 20] [--rounds 2]

The joint D call is what the models do whenever D has no BatchNorm; "two D calls" switches it
off on the built model (`joint_discriminator_call`), which is the book's exact step. The step
is timed on one fixed random batch after an untimed epoch (tracing, compiling), so only the
step's own cost is compared; FLOPs per image per step are TensorFlow's cost model
(`bench.roofline`).

What is equivalent: the joint D call computes the same per-example logits as two calls (no
BatchNorm; dropout masks are drawn per example either way), so its updates are the same up to
float rounding. The simultaneous step's D update is the sources' D update; its G update is
taken against D before D's update (the sources' after it) and reuses D's latents instead of
fresh ones: the same expectation over latents, differing by D's one update, an O(learning
rate) change in G's gradient.
"""

import dataclasses

from bench import harness
from bench.family_throughput import training_row
from gan_tf.training import devices, driver as training

# name: (simultaneous_updates, joint D call)
VARIANTS = {"sources' step, two D calls (the book's)": (False, False),
            "sources' step, one joint D call": (False, True),
            "one G forward (simultaneous), joint D": (True, True)}


def measure(family, preset, batch_size, steps, rounds):
    """{(variant, jit): [(images/s, FLOPs per image) per round]}, rounds alternating over every
    setting."""
    model_class, config = training.resolve_config(family, preset=preset)
    rates = {}
    for _ in range(rounds):
        for name, (simultaneous, joint) in VARIANTS.items():
            for jit in (True, False):
                variant = dataclasses.replace(config, simultaneous_updates=simultaneous)
                row = training_row(model_class, variant, batch_size, steps, jit,
                                   setup=lambda model: setattr(model, "joint_discriminator_call",
                                                               joint and model.joint_discriminator_call))
                rates.setdefault((name, jit), []).append((row["images_per_second"], row["flops_per_image"]))
                print(f"{name:<40} jit {'on ' if jit else 'off'} {row['images_per_second']:10.1f} images/s "
                      f"{row['flops_per_image'] / 1e9:8.3f} GFLOP/image", flush=True)
    return rates


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--family", default="fashion_gan")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    devices.prepare()
    rates = measure(args.family, args.preset, args.batch_size, args.steps, args.rounds)
    print(f"\n{devices.describe_device()}; {args.family} {args.preset}, batch {args.batch_size}, "
          f"{args.steps} steps x {args.rounds} alternating rounds")
    rows = []
    for (name, jit), values in rates.items():
        speeds = [speed for speed, _ in values]
        rows.append([name, "on" if jit else "off", f"{values[0][1] / 1e9:.3f}",
                     ", ".join(f"{v:,.0f}" for v in speeds), f"{sum(speeds) / len(speeds):,.0f}"])
    harness.print_table(["step", "XLA", "GFLOP/image/step", "images/s per round", "mean"], rows)
    return rates


if __name__ == "__main__":
    main()
