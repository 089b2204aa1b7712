"""gan_tf: classic GAN and VAE families as Keras models trained with `model.fit`.

Heavy modules (TensorFlow, Beam) are imported by the submodules that need them, so that
`gan-tf --help` and the pipeline's record helpers stay quick to import.
"""

__version__ = "0.1.0"
