"""FashionGAN training throughput (images/s) with XLA on and off, beside tf.data's own rate.

    python -m bench.fashion_gan_throughput --data data/fashion_mnist [--steps 10] [--json out.json]
        [--mixed-precision] [--strategy mirrored]

Both jit settings run in one process, one after the other, on the same data, so their ratio
is meaningful on a shared machine. `--mixed-precision` adds both jit settings again under the
mixed policy (mixed_float16 with loss scaling on a GPU, mixed_bfloat16 elsewhere);
`--strategy mirrored` trains every row on all local GPUs (batch = global batch). The first
epoch (tracing and compilation) is excluded. If the input pipeline's rate is far above the
training rate, input never limits training.
"""

from bench import harness
from bench.report import fit_timed, precision_policy, write_rates
from gan_tf.data.reader import make_dataset
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.training import devices, distribute, driver as training


def training_rate(data, batch_size, steps, jit, epochs=3, mixed=False, strategy=None):
    dataset = make_dataset(data, batch_size=batch_size).repeat()
    with precision_policy(mixed):
        model = training.build_model(FashionGAN, FashionGAN.config_class(), strategy, jit)
        seconds, _ = fit_timed(model, dataset, steps, epochs)
    return batch_size * steps * (epochs - 1) / seconds


def input_rate(data, batch_size, batches=400, dataset=None):
    """Images/s the reader delivers (`dataset`, else the plain Fashion-MNIST batches)."""
    dataset = dataset or make_dataset(data, batch_size=batch_size)
    iterator = iter(dataset.repeat())
    for _ in range(20):  # fill the cache and the prefetch buffer first
        next(iterator)
    with harness.Timer() as timer:
        for _ in range(batches):
            next(iterator)
    return batch_size * batches / timer.seconds


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    parser.add_argument("--data", required=True, help="preprocessed Fashion-MNIST folder")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per epoch (2 epochs timed)")
    parser.add_argument("--mixed-precision", action="store_true",
                        help="also time both jit settings under the mixed precision policy")
    parser.add_argument("--strategy", choices=("default", "mirrored"), default="default")
    args = parser.parse_args(argv)
    devices.prepare()
    strategy = distribute.make_strategy(args.strategy)
    rate = lambda jit, mixed=False: training_rate(args.data, args.batch_size, args.steps, jit,
                                                  mixed=mixed, strategy=strategy)
    rows = [
        ("fashion_gan train, jit on", rate(True)),
        ("fashion_gan train, jit off", rate(False)),
        ("tf.data input pipeline", input_rate(args.data, args.batch_size)),
    ]
    if args.mixed_precision:
        policy = distribute.mixed_precision_policy_name()
        rows += [(f"fashion_gan train, {policy}, jit on", rate(True, True)),
                 (f"fashion_gan train, {policy}, jit off", rate(False, True))]
    ratios = [("jit on / jit off", f"{rows[0][1] / rows[1][1]:.2f}"),
              ("input / training (jit on)", f"{rows[2][1] / rows[0][1]:.0f}")]
    if args.mixed_precision:
        ratios.append(("mixed / float32 (jit on)", f"{rows[3][1] / rows[0][1]:.2f}"))
    print(f"device: {devices.describe_device()}; batch {args.batch_size}; {strategy.num_replicas_in_sync} replica(s)")
    harness.print_table(["what", "images/s or ratio"], [(name, harness.number(value)) for name, value in rows] + ratios)
    if args.json:
        write_rates(args.json, args.batch_size, rows)


if __name__ == "__main__":
    main()
