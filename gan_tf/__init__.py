"""gan_tf: classic GAN and VAE families as Keras models trained with `model.fit`.

Heavy modules (TensorFlow, Beam) are imported by the submodules that need them, so that
`gan-tf --help` and the pipeline's record helpers stay quick to import.
"""

__version__ = "0.1.0"


def __getattr__(name):
    """`gan_tf.train` is `gan_tf.training.driver.train` and `gan_tf.translate_tiled` is
    `gan_tf.serving.tiling.translate_tiled`, imported on first use (they import TensorFlow)."""
    if name == "train":
        from gan_tf.training.driver import train

        return train
    if name == "translate_tiled":
        from gan_tf.serving.tiling import translate_tiled

        return translate_tiled
    raise AttributeError(f"module 'gan_tf' has no attribute {name!r}")
