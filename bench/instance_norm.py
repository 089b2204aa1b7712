"""Instance normalisation: `gan_tf.networks.layers.InstanceNormalization` (fused kernels) beside
`keras.layers.GroupNormalization(groups=-1)`, the layer it replaces, forward and backward.

    python -m bench.instance_norm [--shapes 1x256x256x64 1x64x64x256 ...] [--calls 10] [--repeats 5]

Each shape (batch x height x width x channels; the defaults are CycleGAN's ResNet-9 activations
at 256 px, batch 1, and one batch of 4) times one traced step of the layer's output, a loss and
the gradients of the input, gamma and beta: the best of `--repeats` means of `--calls` calls.
"""

import keras
import tensorflow as tf

from bench import harness
from gan_tf.networks.layers import InstanceNormalization
from gan_tf.training import devices

DEFAULT_SHAPES = ("1x256x256x64", "1x128x128x128", "1x64x64x256", "4x64x64x256")


def step_seconds(layer, shape, calls, repeats):
    """Best mean seconds of one forward + backward call of `layer` on a `shape` input."""
    inputs = tf.random.normal(shape, seed=0)
    layer.build(shape)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = layer(x)
            loss = tf.reduce_sum(outputs * outputs)
        return tape.gradient(loss, [x, *layer.trainable_variables])

    step(inputs)[0].numpy()  # trace
    timer = harness.Timer()
    for _ in range(repeats):
        with timer:
            for _ in range(calls):
                gradients = step(inputs)
            gradients[0].numpy()
    return min(timer.laps) / calls


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--shapes", nargs="+", default=DEFAULT_SHAPES, help="NxHxWxC each")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"device: {devices.describe_device()}")
    harness.print_table(["shape", "GroupNormalization ms", "InstanceNormalization ms", "speed-up"])
    rows = []
    for text in args.shapes:
        shape = tuple(int(side) for side in text.split("x"))
        group = step_seconds(keras.layers.GroupNormalization(groups=-1, epsilon=1e-5), shape,
                             args.calls, args.repeats)
        fused = step_seconds(InstanceNormalization(), shape, args.calls, args.repeats)
        rows.append({"shape": shape, "group_seconds": group, "fused_seconds": fused})
        harness.print_row([text, f"{group * 1e3:.2f}", f"{fused * 1e3:.2f}", f"{group / fused:.2f}x"])
    return rows


if __name__ == "__main__":
    main()
