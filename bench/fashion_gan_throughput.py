"""FashionGAN training throughput (images/s) with XLA on and off, beside tf.data's own rate.

    python -m bench.fashion_gan_throughput --data data/fashion_mnist [--steps 10] [--json out.json]

Both jit settings run in one process, one after the other, on the same data, so their ratio
is meaningful on a shared machine. The first epoch (tracing and compilation) is excluded.
If the input pipeline's rate is far above the training rate, input never limits training.
"""

import argparse
import time

import tensorflow as tf

from bench.report import describe_device, fit_timed, write_rates
from gan_tf import devices
from gan_tf.data import make_dataset
from gan_tf.models.fashion_gan import FashionGAN


def training_rate(data, batch_size, steps, jit, epochs=3):
    dataset = make_dataset(data, batch_size=batch_size).repeat()
    model = FashionGAN()
    model.compile(jit_compile=jit)
    seconds, _ = fit_timed(model, dataset, steps, epochs)
    return batch_size * steps * (epochs - 1) / seconds


def input_rate(data, batch_size, batches=400, dataset=None):
    """Images/s the reader delivers (`dataset`, else the plain Fashion-MNIST batches)."""
    dataset = dataset or make_dataset(data, batch_size=batch_size)
    iterator = iter(dataset.repeat())
    for _ in range(20):  # fill the cache and the prefetch buffer first
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batch_size * batches / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="preprocessed Fashion-MNIST folder")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per epoch (2 epochs timed)")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    gpus = devices.enable_memory_growth()
    device = describe_device(gpus)
    rows = [
        ("fashion_gan train, jit on", training_rate(args.data, args.batch_size, args.steps, True)),
        ("fashion_gan train, jit off", training_rate(args.data, args.batch_size, args.steps, False)),
        ("tf.data input pipeline", input_rate(args.data, args.batch_size)),
    ]
    print(f"device: {device}; batch {args.batch_size}")
    print(f"{'what':<30} {'images/s':>12}")
    for name, rate in rows:
        print(f"{name:<30} {rate:>12.1f}")
    print(f"{'jit on / jit off':<30} {rows[0][1] / rows[1][1]:>12.2f}")
    print(f"{'input / training (jit on)':<30} {rows[2][1] / rows[0][1]:>12.0f}")
    if args.json:
        write_rates(args.json, device, args.batch_size, rows)


if __name__ == "__main__":
    main()
