"""Signatures of the GANs drawing from a latent prior (FashionGAN, vanilla, DCGAN, WGAN-GP,
cGAN): `serving_default` maps a float32 `latent` batch (and, conditional, int32 `labels`) to
uint8 `images`; `sample` draws `count` images reproducibly from an int64 `seed`
(`model.sample`, the labels cycling through the classes).

The conditional input is named `labels`, as in the CVAE's exports; exports before gan_tf 0.2
named it `label`, and the signature `serving_default_label` keeps that name until 0.3."""

import tensorflow as tf

COUNT_SEED = [tf.TensorSpec([], tf.int32, name="count"), tf.TensorSpec([], tf.int64, name="seed")]
LABELS = tf.TensorSpec([None], tf.int32, name="labels")


def images(model, latent, labels=None):
    """The uint8 images a latent batch [and its labels] serve as, in inference mode."""
    return model.to_uint8(model.generate(latent, labels, training=False))


def latent_spec(model):
    return tf.TensorSpec([None, model.latent_dim], tf.float32, name="latent")


def endpoints(model):
    latent_input = latent_spec(model)
    if not model.uses_labels:
        return {"serving_default": (lambda latent: {"images": images(model, latent)}, [latent_input]),
                "sample": (model.sample, COUNT_SEED)}

    def generate(latent, labels):
        return {"images": images(model, latent, model.checked_labels(labels, tf.shape(latent)[0]))}

    def generate_label(latent, label):
        return generate(latent, label)

    return {
        "serving_default": (generate, [latent_input, LABELS]),
        "sample": (model.sample, COUNT_SEED),
        "serving_default_label": (generate_label, [latent_input, tf.TensorSpec([None], tf.int32, name="label")]),
    }


def networks(model):
    return [model.drawing_generator]
