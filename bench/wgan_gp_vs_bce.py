"""WGAN-GP vs the BCE FashionGAN on the same networks and data: training throughput.

    python -m bench.wgan_gp_vs_bce --data data/fashion_mnist [--batch-size 32] [--steps 3]

Both use FashionGAN's source networks; WGAN-GP adds the Wasserstein loss, the gradient penalty
(lambda 10), 5 critic steps per generator step and Adam(1e-4, 0, 0.9). Rows give real images
consumed per second and generator updates per second (one real batch per generator update),
so "the same budget" in wall time can be read off directly. The first epoch (tracing) is not
timed. FID at equal budget waits for the metrics issue (domain-classifier FID).
"""

import argparse
import json

import keras

from bench.report import StepTimer
from gan_tf import devices
from gan_tf.config import FashionGANConfig
from gan_tf.data import make_dataset
from gan_tf.models.fashion_gan import FashionGAN

VARIANTS = {
    "bce (fashion_gan defaults)": (FashionGANConfig(), None),
    "wgan-gp (lambda 10, 5 critic steps)": (
        FashionGANConfig(loss="wasserstein", gradient_penalty=10.0, critic_steps=5),
        lambda: keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
    ),
}


def rate(data, config, optimizer, batch_size, steps, jit, epochs=3):
    """(real images/s, generator updates/s, final d_loss, final g_loss) after the first epoch."""
    model = FashionGAN(config)
    if optimizer:
        model.compile(g_optimizer=optimizer(), d_optimizer=optimizer(), jit_compile=jit)
    else:
        model.compile(jit_compile=jit)
    timer = StepTimer()
    history = model.fit(make_dataset(data, batch_size=batch_size).repeat(), epochs=epochs,
                        steps_per_epoch=steps, callbacks=[timer], verbose=0).history
    seconds = sum(timer.times[1:])
    updates = steps * (epochs - 1)
    return batch_size * updates / seconds, updates / seconds, history["d_loss"][-1], history["g_loss"][-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="preprocessed Fashion-MNIST folder")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=3, help="generator updates per epoch (2 epochs timed)")
    parser.add_argument("--no-jit", dest="jit", action="store_false", help="run without XLA")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    devices.enable_memory_growth()
    rows = {name: rate(args.data, config, optimizer, args.batch_size, args.steps, args.jit)
            for name, (config, optimizer) in VARIANTS.items()}
    print(f"batch {args.batch_size}, {args.steps} timed generator updates x 2 epochs, jit {args.jit}")
    print(f"{'variant':<38} {'images/s':>10} {'G updates/s':>12} {'d_loss':>9} {'g_loss':>9}")
    for name, (images, updates, d_loss, g_loss) in rows.items():
        print(f"{name:<38} {images:>10.1f} {updates:>12.3f} {d_loss:>9.3f} {g_loss:>9.3f}")
    names = list(rows)
    print(f"{'bce / wgan-gp throughput':<38} {rows[names[0]][0] / rows[names[1]][0]:>10.2f}")
    print("FID at equal budget: waits for the metrics issue (domain-classifier FID).")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"batch_size": args.batch_size, "jit": args.jit, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
