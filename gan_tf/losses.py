"""Adversarial losses on discriminator logits.

A discriminator loss is called as `d_loss(real_logits, fake_logits)` and a generator loss as
`g_loss(fake_logits)`; each returns a scalar. Models pass them to `compile()`, so families
share them and users can swap them.
"""

import keras
from keras import ops


def _bce(targets, logits):
    return ops.mean(
        keras.losses.binary_crossentropy(targets, logits, from_logits=True)
    )


class BinaryCrossentropyDiscriminatorLoss:
    """Standard GAN discriminator loss (real = 1, fake = 0) with one-sided label softening.

    `label_smoothing` lowers the real target to 1 - smoothing (Salimans et al. 2016);
    `label_noise` further subtracts uniform noise in [0, label_noise) per real example. Fake
    targets stay 0: smoothing them too would reward the generator for poor samples.
    """

    def __init__(self, label_smoothing=0.0, label_noise=0.0, seed=None):
        if not 0.0 <= label_smoothing + label_noise < 1.0:
            raise ValueError("label_smoothing + label_noise must lie in [0, 1)")
        self.label_smoothing = label_smoothing
        self.label_noise = label_noise
        self.seed_generator = keras.random.SeedGenerator(seed) if label_noise else None

    def real_targets(self, real_logits):
        targets = ops.ones_like(real_logits) * (1.0 - self.label_smoothing)
        if self.label_noise:
            targets -= keras.random.uniform(
                ops.shape(real_logits), maxval=self.label_noise, seed=self.seed_generator
            )
        return targets

    def __call__(self, real_logits, fake_logits):
        real_loss = _bce(self.real_targets(real_logits), real_logits)
        fake_loss = _bce(ops.zeros_like(fake_logits), fake_logits)
        return real_loss + fake_loss


def binary_crossentropy_generator_loss(fake_logits):
    """Non-saturating generator loss: -log D(G(z)) (Goodfellow et al. 2014, section 3)."""
    return _bce(ops.ones_like(fake_logits), fake_logits)


def least_squares_discriminator_loss(real_outputs, fake_outputs):
    """LSGAN (Mao et al. 2017): mean (D(x) - 1)^2 + mean D(G(z))^2, on raw outputs."""
    return ops.mean(ops.square(real_outputs - 1.0)) + ops.mean(ops.square(fake_outputs))


def least_squares_generator_loss(fake_outputs):
    """LSGAN generator loss: mean (D(G(z)) - 1)^2."""
    return ops.mean(ops.square(fake_outputs - 1.0))


def l1_distance(targets, outputs):
    """Mean absolute difference: CycleGAN's cycle and identity terms, pix2pix's L1 term."""
    return ops.mean(ops.abs(targets - outputs))
