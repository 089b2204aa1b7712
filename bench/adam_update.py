"""One Adam update of a generator's worth of parameters: `gan_tf.training.optimizers.FusedAdam` beside
`keras.optimizers.Adam`, the optimizer it replaces.

    python -m bench.adam_update [--network pix2pix|cyclegan|fashion_gan] [--updates 10] [--rounds 2]

The variables are the chosen network's (pix2pix: the 256-px U-Net, 54M parameters; cyclegan:
one ResNet-9 at 256 px; fashion_gan: the book's generator) with fixed random gradients; each
round times `--updates` traced `apply_gradients` calls of each optimizer, alternating.
"""

import keras
import tensorflow as tf

from bench import harness
from gan_tf.families.fashion_gan.networks import build_generator as fashion_gan_generator
from gan_tf.networks.image_to_image import resnet_generator, unet_generator
from gan_tf.training import devices
from gan_tf.training.optimizers import FusedAdam

NETWORKS = {
    "pix2pix": lambda: unet_generator(256, 3, 3),
    "cyclegan": lambda: resnet_generator(256, 3, 3),
    "fashion_gan": fashion_gan_generator,
}


def update_seconds(optimizer, variables, gradients, updates):
    """Mean seconds of one traced update of `variables` (the optimizer built and warmed)."""
    optimizer.build(variables)
    apply = tf.function(lambda: optimizer.apply_gradients(zip(gradients, variables)))
    apply()
    with harness.Timer() as timer:
        for _ in range(updates):
            apply()
        variables[0].numpy()
    return timer.seconds / updates


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--network", choices=list(NETWORKS), default="pix2pix")
    parser.add_argument("--updates", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    variables = NETWORKS[args.network]().trainable_variables
    gradients = [tf.random.normal(v.shape, seed=index) for index, v in enumerate(variables)]
    parameters = sum(int(tf.size(v)) for v in variables)
    print(f"device: {devices.describe_device()}; {args.network}: {parameters / 1e6:.1f}M parameters")
    harness.print_table(["round", "keras Adam ms", "FusedAdam ms", "speed-up"])
    rows = []
    for index in range(args.rounds):
        keras_ms = 1e3 * update_seconds(keras.optimizers.Adam(2e-4), variables, gradients, args.updates)
        fused_ms = 1e3 * update_seconds(FusedAdam(2e-4), variables, gradients, args.updates)
        rows.append({"keras_ms": keras_ms, "fused_ms": fused_ms})
        harness.print_row([index + 1, f"{keras_ms:.1f}", f"{fused_ms:.1f}", f"{keras_ms / fused_ms:.2f}x"])
    return rows


if __name__ == "__main__":
    main()
