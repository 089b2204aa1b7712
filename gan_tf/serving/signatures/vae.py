"""Signatures of the VAEs: `serving_default`: (count, seed) -> prior samples and their
latents; `encode`: uint8 images -> (mean, log_var); `decode`: latent -> uint8 images. The
CVAE adds an int32 `labels` input to each."""

import tensorflow as tf

from gan_tf.data.reader import scale_images
from gan_tf.serving.signatures.latent import COUNT_SEED, LABELS, latent_spec
from gan_tf.serving.signatures.latent import images as decoded


def endpoints(model):
    height, width, channels = model.config.image_shape
    conditional = bool(model.num_classes)
    image_spec = tf.TensorSpec([None, height, width, channels], tf.uint8, name="images")
    labels_spec = [LABELS] if conditional else []
    checked = lambda labels, count: model.checked_labels(labels, count) if conditional else None

    def sample(count, seed, labels=None):
        drawn = model.sample(count, seed, checked(labels, count))
        return {"images": drawn["images"], "latent": drawn["latent"]}

    def encode(images, labels=None):
        mean, log_var = model.encode(scale_images(images, model.value_range), checked(labels, tf.shape(images)[0]))
        return {"mean": mean, "log_var": log_var}

    def decode(latent, labels=None):
        return {"images": decoded(model, latent, checked(labels, tf.shape(latent)[0]))}

    return {
        "serving_default": (sample, COUNT_SEED + labels_spec),
        "encode": (encode, [image_spec] + labels_spec),
        "decode": (decode, [latent_spec(model)] + labels_spec),
    }


def networks(model):
    return [model.encoder, model.decoder]
