"""CycleGAN training throughput (images/s) of the default architecture, 128 and 256 px, XLA on/off.

    python -m bench.cyclegan_throughput [--sizes 128,256] [--steps 3] [--batch-size 1] [--json out.json]
        [--mixed-precision] [--strategy mirrored]

One step is the whole CycleGAN update: G and F forward, both cycles, identity, the generators'
Adam step, the history pools and both discriminators' Adam step. Inputs are fixed random
tensors, so only the step is timed; the first epoch (tracing, XLA compilation) is excluded.
All settings run in one process one after the other, so their ratios are meaningful.
`--mixed-precision` adds each size and jit setting under the mixed policy (mixed_float16 with
loss scaling of both optimizers on a GPU, mixed_bfloat16 elsewhere); `--strategy mirrored`
trains on all local GPUs (--batch-size is then the global batch).
"""

from bench import harness
from bench.family_throughput import training_rate
from bench.report import write_rates
from gan_tf.families.cyclegan.config import CycleGANConfig
from gan_tf.families.cyclegan.model import CycleGAN
from gan_tf.training import devices, distribute


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    parser.add_argument("--sizes", type=harness.comma_list(int), default="128,256", help="comma-separated image sizes")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3, help="timed steps (one epoch after warm-up)")
    parser.add_argument("--mixed-precision", action="store_true",
                        help="also time every setting under the mixed precision policy")
    parser.add_argument("--strategy", choices=("default", "mirrored"), default="default")
    args = parser.parse_args(argv)
    devices.prepare()
    strategy = distribute.make_strategy(args.strategy)
    rows = []
    print(f"device: {devices.describe_device()}; batch {args.batch_size}; {strategy.num_replicas_in_sync} "
          "replica(s); ResNet-9 generators, 70x70 PatchGANs")
    harness.print_table(["what", "images/s"])
    for size in args.sizes:
        for mixed in ([False, True] if args.mixed_precision else [False]):
            for jit in (True, False):
                policy = distribute.mixed_precision_policy_name() if mixed else "float32"
                name = f"cyclegan {size} px, {policy}, jit {'on' if jit else 'off'}"
                rows.append((name, training_rate(CycleGAN, CycleGANConfig(image_size=size),
                                                 args.batch_size, args.steps, jit, mixed=mixed,
                                                 strategy=strategy)))
                harness.print_row([name, f"{rows[-1][1]:.3f}"])
    if args.json:
        write_rates(args.json, args.batch_size, rows)


if __name__ == "__main__":
    main()
