"""Work per GAN step: the sources' step (D update on fresh fakes, then G update with a second
generator forward) against one generator forward per step (`simultaneous_updates`), each with
XLA on and off, in alternating rounds in one process.

    python -m bench.step_variants [--family fashion_gan] [--preset fast] [--batch-size 64]
        [--steps 20] [--rounds 2]

Real and fake images go through D in one call whenever D has no BatchNorm (both variants).
The step is timed on one fixed random batch after an untimed epoch (tracing, compiling), so
only the step's own cost is compared.
"""

import argparse
import dataclasses

from bench.family_throughput import training_rate
from gan_tf import devices, training

VARIANTS = {"sources' step (two G forwards)": False, "one G forward (simultaneous)": True}


def measure(family, preset, batch_size, steps, rounds):
    """{(variant, jit): [images/s per round]}, rounds alternating over every setting."""
    model_class, config = training.resolve_config(family, preset=preset)
    rates = {}
    for _ in range(rounds):
        for name, simultaneous in VARIANTS.items():
            for jit in (True, False):
                variant = dataclasses.replace(config, simultaneous_updates=simultaneous)
                rate = training_rate(model_class, variant, batch_size, steps, jit)
                rates.setdefault((name, jit), []).append(rate)
                print(f"{name:<32} jit {'on ' if jit else 'off'} {rate:10.1f} images/s", flush=True)
    return rates


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", default="fashion_gan")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    devices.enable_memory_growth()
    rates = measure(args.family, args.preset, args.batch_size, args.steps, args.rounds)
    print(f"\n{devices.describe_device()}; {args.family} {args.preset}, batch {args.batch_size}, "
          f"{args.steps} steps x {args.rounds} alternating rounds")
    print("| step | XLA | images/s per round | mean |")
    print("| --- | --- | --- | --- |")
    for (name, jit), values in rates.items():
        print(f"| {name} | {'on' if jit else 'off'} | {', '.join(f'{v:,.0f}' for v in values)} | "
              f"{sum(values) / len(values):,.0f} |")
    return rates


if __name__ == "__main__":
    main()
