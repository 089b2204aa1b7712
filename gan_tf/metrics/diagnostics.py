"""Training diagnostics for adversarial models: make mode collapse and vanishing gradients visible.

Measured on a fixed real batch and fixed latents at the end of an epoch, outside `train_step`,
so they cost nothing per step and work for every `AdversarialModel`:

- discriminator accuracy on real and on generated images (logit > 0 means "real");
- gradient norms of the generator and the discriminator losses;
- sample diversity: mean pairwise distance between generated images divided by that between
  real images (about 1 for a healthy generator, near 0 when all samples look alike), and, with
  a domain classifier, the number of distinct classes among the samples.
"""

import numpy as np
import tensorflow as tf

from gan_tf.viz.images import to_uint8


def mean_pairwise_distance(images):
    """Mean L2 distance between distinct pairs of a batch of images."""
    flat = tf.reshape(tf.cast(images, tf.float32), [tf.shape(images)[0], -1])
    squared = tf.reduce_sum(flat**2, 1)
    distances = tf.sqrt(tf.maximum(squared[:, None] + squared[None, :] - 2 * flat @ tf.transpose(flat), 0.0))
    count = tf.cast(tf.shape(flat)[0], tf.float32)
    return float(tf.reduce_sum(distances) / (count * (count - 1)))


def _global_norm(tape, loss, variables):
    return float(tf.linalg.global_norm([g for g in tape.gradient(loss, variables) if g is not None]))


def measure(model, real_images, latent, classifier=None, labels=None):
    """A dict of diagnostics for `model` on one real batch and one latent batch.

    `labels` (the real batch's) go to conditional models' networks; generated images are
    conditioned on the same labels.
    """
    with tf.GradientTape(persistent=True) as tape:
        fake = model.generate(latent, labels, training=False)
        real_logits = model.discriminate(real_images, labels, training=False)
        fake_logits = model.discriminate(fake, labels, training=False)
        d_loss = model.d_loss_fn(real_logits, fake_logits)
        g_loss = model.g_loss_fn(fake_logits)
    results = {
        "d_accuracy_real": float(tf.reduce_mean(tf.cast(real_logits > 0, tf.float32))),
        "d_accuracy_fake": float(tf.reduce_mean(tf.cast(fake_logits <= 0, tf.float32))),
        "g_grad_norm": _global_norm(tape, g_loss, model.generator.trainable_variables),
        "d_grad_norm": _global_norm(tape, d_loss, model.discriminator.trainable_variables),
        "diversity": mean_pairwise_distance(fake) / max(mean_pairwise_distance(real_images), 1e-12),
    }
    del tape
    if classifier is not None:
        images = to_uint8(fake, model.value_range)
        results["distinct_classes"] = float(len(np.unique(np.argmax(classifier(images), -1))))
    return results


def warnings_for(results, collapse_diversity=0.1, vanishing_grad_norm=1e-4):
    """Human-readable warnings for the failure modes the diagnostics reveal."""
    found = []
    if results["diversity"] < collapse_diversity:
        found.append(
            f"mode collapse: samples differ {results['diversity']:.3f}x as much as real images "
            f"(threshold {collapse_diversity})"
        )
    if results["g_grad_norm"] < vanishing_grad_norm:
        found.append(
            f"vanishing generator gradients: norm {results['g_grad_norm']:.2e} "
            f"(threshold {vanishing_grad_norm:.0e}); the discriminator may be winning outright"
        )
    return found
