"""Runs one fit epoch of a family on one device and under MirroredStrategy over two logical
CPU devices, and writes both runs' losses and weights to an .npz file.

Run by tests/test_distribute.py in a fresh process: logical devices must be configured before
TensorFlow initialises its devices, which a pytest process that already ran TF cannot do.

    python tests/distribute_worker.py DATA_DIR OUTPUT.npz FAMILY [FAMILY ...]

FashionGAN and the VAE run both ways on the data and are compared exactly; every other family
trains two mirrored steps at a small size on a fixed random batch of its own shape (the
benchmark's `synthetic_batch`), which shows its step runs per replica and reports finite logs.
"""

import dataclasses
import sys

import tensorflow as tf

REPLICAS = 2
EXACT = ("fashion_gan", "vae")  # families compared weight for weight with one device


def split_cpu(count=REPLICAS):
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)])
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def build(family):
    """A tiny model of `family` compiled with SGD: plain SGD updates are proportional to the
    gradient, so a loss that is not averaged over the global batch shows up (Adam's first
    steps would hide a constant factor)."""
    import keras

    from gan_tf.families.fashion_gan.config import FashionGANConfig
    from gan_tf.families.fashion_gan.model import FashionGAN
    from gan_tf.families.vae.config import VAEConfig
    from gan_tf.families.vae.model import VAE

    keras.utils.set_random_seed(0)
    sgd = lambda: keras.optimizers.SGD(0.05)
    if family == "fashion_gan":
        # No dropout: Dropout masks are drawn per call with the local batch's shape, so they
        # cannot match a single-device run's (every other random draw does).
        model = FashionGAN(FashionGANConfig(latent_dim=8, generator_filters=8,
                                            discriminator_filters=(4, 8), dropout=0.0))
        model.compile(g_optimizer=sgd(), d_optimizer=sgd(), jit_compile=False)
    elif family == "vae":
        model = VAE(VAEConfig(dropout=0.0))
        model.compile(optimizer=keras.optimizers.SGD(1e-3), jit_compile=False)
    else:
        raise ValueError(family)
    return model


def run_on_random_batch(family, strategy):
    """Two steps of `family` (image-to-image families at 32 px) on a fixed random global batch
    of 4; its last logs."""
    import keras

    from bench.family_throughput import family_config, synthetic_batch
    from gan_tf.registry import family as registered

    keras.utils.set_random_seed(0)
    model_class = registered(family).model_class()
    config = family_config(family, 32)  # wgan_gp: dcgan's wgan_gp preset
    if family == "stackgan":  # also the generator average's cross-replica update
        config = dataclasses.replace(config, generator_ema=0.9)
    with strategy.scope():
        model = model_class(config)
        model.compile(jit_compile=False)
    dataset = tf.data.Dataset.from_tensors(synthetic_batch(model, 4)).repeat()
    history = model.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0).history
    return {name: values[-1] for name, values in history.items()}


def run(family, data_dir, strategy):
    from gan_tf.data.reader import make_dataset

    with strategy.scope():
        model = build(family)
    dataset = make_dataset(data_dir, batch_size=16, limit=64, shuffle=False)
    history = model.fit(dataset, epochs=1, verbose=0).history
    return {name: values[-1] for name, values in history.items()}, model.get_weights()


def pool_per_replica(strategy):
    """Each replica's stored images after a size-2 HistoryPool saw [0, 1] then [2, 3] split
    over the replicas (replica 0 gets 0 and 2, replica 1 gets 1 and 3)."""
    import numpy as np

    from gan_tf.training.history_pool import HistoryPool

    with strategy.scope():
        pool = HistoryPool(2, (1, 1, 1), seed=0)
    images = np.arange(4, dtype=np.float32).reshape(4, 1, 1, 1)
    step = tf.function(lambda batch: strategy.run(pool, args=(batch,)))
    for batch in strategy.experimental_distribute_dataset(
            tf.data.Dataset.from_tensor_slices(images).batch(2)):
        step(batch)
    return np.stack([replica.numpy()[:2].ravel() for replica in pool.images.value.values])


def main(data_dir, output, families):
    import numpy as np

    devices = split_cpu()
    results = {"devices": np.array(len(devices))}
    # One strategy object for every run: two MirroredStrategy instances in one process hand
    # out the same collective instance keys, and their all-reduces then collide.
    strategies = (("single", tf.distribute.OneDeviceStrategy(devices[0])),
                  ("mirrored", tf.distribute.MirroredStrategy(devices)))
    for family in families:
        if family not in EXACT:
            for key, value in run_on_random_batch(family, strategies[1][1]).items():
                results[f"{family}/mirrored/log/{key}"] = np.array(value)
            continue
        for name, strategy in strategies:
            if name == "mirrored":
                results[f"{family}/replicas"] = np.array(strategy.num_replicas_in_sync)
            logs, weights = run(family, data_dir, strategy)
            for key, value in logs.items():
                results[f"{family}/{name}/log/{key}"] = np.array(value)
            for index, weight in enumerate(weights):
                results[f"{family}/{name}/weight/{index:03d}"] = weight
    results["pool/per_replica"] = pool_per_replica(strategies[1][1])
    np.savez(output, **results)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
