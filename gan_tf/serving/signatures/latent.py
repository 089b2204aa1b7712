"""Signatures of the GANs drawing from a latent prior (FashionGAN, vanilla, DCGAN, WGAN-GP,
cGAN): `serving_default` maps a float32 `latent` batch (and, conditional, int32 `labels`) to
uint8 `images`; `sample` draws `count` images reproducibly from an int64 `seed`
(`model.sample`, the labels cycling through the classes).

The conditional input is named `labels`, as in the CVAE's exports; exports before gan_tf 0.2
named it `label`, and the signature `serving_default_label` keeps that name until 0.3."""

import tensorflow as tf

from gan_tf.viz.images import to_uint8


def images(model, latent, labels=None):
    """The uint8 images a latent batch [and its labels] serve as, in inference mode."""
    return to_uint8(model.generate(latent, labels, training=False), model.value_range)


def endpoints(model):
    latent_spec = tf.TensorSpec([None, model.latent_dim], tf.float32, name="latent")
    count_seed = [tf.TensorSpec([], tf.int32, name="count"), tf.TensorSpec([], tf.int64, name="seed")]
    if not model.uses_labels:
        return {"serving_default": (lambda latent: {"images": images(model, latent)}, [latent_spec]),
                "sample": (model.sample, count_seed)}

    def generate(latent, labels):
        return {"images": images(model, latent, model.checked_labels(labels, tf.shape(latent)[0]))}

    def generate_label(latent, label):
        return generate(latent, label)

    return {
        "serving_default": (generate, [latent_spec, tf.TensorSpec([None], tf.int32, name="labels")]),
        "sample": (model.sample, count_seed),
        "serving_default_label": (generate_label, [latent_spec, tf.TensorSpec([None], tf.int32, name="label")]),
    }


def networks(model):
    return [model.drawing_generator]
