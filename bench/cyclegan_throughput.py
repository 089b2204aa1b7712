"""CycleGAN training throughput (images/s) of the default architecture, 128 and 256 px, XLA on/off.

    python -m bench.cyclegan_throughput [--sizes 128,256] [--steps 3] [--batch-size 1] [--json out.json]

One step is the whole CycleGAN update: G and F forward, both cycles, identity, the generators'
Adam step, the history pools and both discriminators' Adam step. Inputs are fixed random
tensors, so only the step is timed; the first epoch (tracing, XLA compilation) is excluded.
All settings run in one process one after the other, so their ratios are meaningful.
"""

import argparse

from bench.family_throughput import training_rate
from bench.report import describe_device, write_rates
from gan_tf import devices
from gan_tf.config import CycleGANConfig
from gan_tf.models.cyclegan import CycleGAN


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="128,256", help="comma-separated image sizes")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3, help="timed steps (one epoch after warm-up)")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    gpus = devices.enable_memory_growth()
    device = describe_device(gpus)
    rows = []
    print(f"device: {device}; batch {args.batch_size}; ResNet-9 generators, 70x70 PatchGANs")
    print(f"{'what':<34} {'images/s':>10}", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        for jit in (True, False):
            name = f"cyclegan {size} px, jit {'on' if jit else 'off'}"
            config = CycleGANConfig(image_size=size)
            rows.append((name, training_rate(CycleGAN, config, args.batch_size, args.steps, jit)))
            print(f"{name:<34} {rows[-1][1]:>10.3f}", flush=True)
    if args.json:
        write_rates(args.json, device, args.batch_size, rows)


if __name__ == "__main__":
    main()
