"""Adversarial losses on discriminator logits.

A discriminator loss is called as `d_loss(real_logits, fake_logits)` and a generator loss as
`g_loss(fake_logits)`; each returns a scalar. Models pass them to `compile()`, so families
share them and users can swap them.

Every loss is computed per example (averaged over its pixels or patches) and reduced with
`gan_tf.training.distribute.global_batch_average`: on one device that is the batch mean; inside a
`tf.distribute` replica it is the replica's share of the global-batch mean (sum / global
batch), so the gradients the optimizer sums over replicas equal the single-device gradient.
A custom loss passed to `compile()` should reduce the same way (`average` below). Losses are
computed in float32 whatever the compute dtype (mixed precision). Random draws (label noise,
interpolation weights) go through `draw_per_replica`, so each replica gets its own numbers.
"""

import keras
import tensorflow as tf
from keras import ops

from gan_tf.training.distribute import draw_per_replica, global_batch_average


def _f32(x):
    return ops.cast(x, "float32")


def average(per_example_losses):
    """Global-batch average of per-example (or per-pixel, per-patch) losses; see the module."""
    return global_batch_average(per_example_losses)


def binary_crossentropy(targets, logits):
    """Global-batch average binary cross-entropy of logits against targets (float32)."""
    return average(
        keras.losses.binary_crossentropy(_f32(targets), _f32(logits), from_logits=True)
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
        targets = ops.ones_like(_f32(real_logits)) * (1.0 - self.label_smoothing)
        if self.label_noise:
            shape = tuple(ops.shape(real_logits))
            targets -= draw_per_replica(
                lambda batch: keras.random.uniform((batch,) + shape[1:], maxval=self.label_noise,
                                                   seed=self.seed_generator),
                shape[0],
            )
        return targets

    def __call__(self, real_logits, fake_logits):
        real_loss = binary_crossentropy(self.real_targets(real_logits), real_logits)
        fake_loss = binary_crossentropy(ops.zeros_like(fake_logits), fake_logits)
        return real_loss + fake_loss


def binary_crossentropy_generator_loss(fake_logits):
    """Non-saturating generator loss: -log D(G(z)) (Goodfellow et al. 2014, section 3)."""
    return binary_crossentropy(ops.ones_like(fake_logits), fake_logits)


def least_squares_discriminator_loss(real_outputs, fake_outputs):
    """LSGAN (Mao et al. 2017): mean (D(x) - 1)^2 + mean D(G(z))^2, on raw outputs."""
    return (average(ops.square(_f32(real_outputs) - 1.0))
            + average(ops.square(_f32(fake_outputs))))


def least_squares_generator_loss(fake_outputs):
    """LSGAN generator loss: mean (D(G(z)) - 1)^2."""
    return average(ops.square(_f32(fake_outputs) - 1.0))


def hinge_discriminator_loss(real_outputs, fake_outputs):
    """Hinge loss (Lim & Ye 2017; SAGAN): mean relu(1 - D(x)) + mean relu(1 + D(G(z)))."""
    return average(ops.relu(1.0 - _f32(real_outputs))) + average(ops.relu(1.0 + _f32(fake_outputs)))


def hinge_generator_loss(fake_outputs):
    """Hinge generator loss: -mean D(G(z))."""
    return -average(_f32(fake_outputs))


def wasserstein_critic_loss(real_outputs, fake_outputs):
    """WGAN critic loss (Arjovsky et al. 2017): mean D(G(z)) - mean D(x), on unbounded scores."""
    return average(_f32(fake_outputs)) - average(_f32(real_outputs))


def wasserstein_generator_loss(fake_outputs):
    """WGAN generator loss: -mean D(G(z))."""
    return -average(_f32(fake_outputs))


LOSSES = ("bce", "least_squares", "hinge", "wasserstein")


def adversarial_losses(name, label_smoothing=0.0, label_noise=0.0, seed=None):
    """(generator loss, discriminator loss) for a loss name of `LOSSES`.

    Label smoothing and noise belong to the BCE loss only; asking for them with another loss
    is refused rather than silently ignored.
    """
    if name == "bce":
        return (
            binary_crossentropy_generator_loss,
            BinaryCrossentropyDiscriminatorLoss(label_smoothing, label_noise, seed=seed),
        )
    if name not in LOSSES:
        raise ValueError(f"unknown adversarial loss {name!r}; choose one of {', '.join(LOSSES)}")
    if label_smoothing or label_noise:
        raise ValueError(f"label smoothing and label noise apply to the bce loss, not {name!r}")
    return {
        "least_squares": (least_squares_generator_loss, least_squares_discriminator_loss),
        "hinge": (hinge_generator_loss, hinge_discriminator_loss),
        "wasserstein": (wasserstein_generator_loss, wasserstein_critic_loss),
    }[name]


def gradient_penalty(critic, real, fake, seed=None):
    """WGAN-GP penalty (Gulrajani et al. 2017): mean (||grad critic(x_hat)||_2 - 1)^2.

    x_hat = a * real + (1 - a) * fake with one a ~ U[0, 1] per example (not normal, as in some
    references). The norm is sqrt(sum g^2 + eps): the gradient of sqrt at 0 is infinite, which
    would turn a zero gradient into NaN weights. `critic` maps images to scores; `seed` is a
    `keras.random.SeedGenerator` or an int.
    """
    tail = (1,) * (len(real.shape) - 1)
    alpha = draw_per_replica(
        lambda batch: keras.random.uniform((batch,) + tail, seed=seed, dtype=real.dtype),
        ops.shape(real)[0],
    )
    interpolates = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        scores = critic(interpolates)
    gradients = _f32(tape.gradient(scores, interpolates))
    squared = ops.sum(ops.square(gradients), axis=tuple(range(1, len(real.shape))))
    norms = ops.sqrt(squared + 1e-12)
    return average(ops.square(norms - 1.0))


# -- Variational losses: one value per example, so callers choose how to average. ------------


def gaussian_kl_divergence(mean, log_var):
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) per example, in nats, summed over the last axis:
    -1/2 sum(1 + log_var - mean^2 - exp(log_var)) (Kingma & Welling 2014, appendix B).

    Shared by the VAE and by conditioning augmentation (StackGAN).
    """
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def bernoulli_reconstruction_loss(targets, probabilities):
    """Binary cross-entropy summed over every pixel of each example, in nats per image.

    `probabilities` are the decoder's sigmoid outputs; Keras clips them away from 0 and 1.
    """
    pixel_losses = ops.binary_crossentropy(targets, probabilities)
    return ops.sum(ops.reshape(pixel_losses, (ops.shape(pixel_losses)[0], -1)), axis=-1)


def l1_distance(targets, outputs):
    """Mean absolute difference: CycleGAN's cycle and identity terms, pix2pix's L1 term."""
    return average(ops.abs(_f32(targets) - _f32(outputs)))
