"""The signatures an export serves, one module per kind of family.

A model names its kind in `serving_kind`: `latent` (the GANs drawing from a latent prior),
`vae` (the VAEs' sample/encode/decode), `captions` (StackGAN: text embeddings or raw captions)
or `translation` (CycleGAN and pix2pix: images in, images out, optionally tiled). Each kind's
module gives `endpoints(model)`: {signature name: (function, [named tf.TensorSpec])}, the
first being `serving_default`; `networks(model)`: the networks whose variables the export
holds (never a discriminator); and `resources(model)`: other resources the functions use.
"""

from gan_tf.serving.signatures import captions, latent, translation, vae

KINDS = {"latent": latent, "vae": vae, "captions": captions, "translation": translation}


def kind(model):
    """The signatures module of `model`'s `serving_kind`."""
    name = getattr(model, "serving_kind", None)
    if name not in KINDS:
        raise ValueError(f"{type(model).__name__} names no serving kind (serving_kind = {name!r}; "
                         f"one of {', '.join(KINDS)})")
    return KINDS[name]


def endpoints(model):
    return kind(model).endpoints(model)


def networks(model):
    return kind(model).networks(model)


def resources(model):
    return getattr(kind(model), "resources", lambda _: [])(model)
