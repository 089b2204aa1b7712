"""Signatures of the image-to-image families (CycleGAN, pix2pix): one per network of
`model.translation_networks()` ({signature name: generator}), uint8 `images` of any size ->
uint8 `images` of the same size; `tiled_endpoints` adds `<name>_tiled` versions.

Size policy: an endpoint resizes its images (bilinear) to the trained `image_size`,
translates, and resizes the result back to the input's size, so callers get an image of the
size they sent; the network itself only ever sees its trained size. A patch-trained model
(`load_size` above `image_size`) is served at the scale it learnt: images are resized to
`load_size` and translated in overlapping `image_size` tiles, tones matched. Tiled endpoints
(`gan-tf export --tiled`) instead translate the image at its own resolution in overlapping
trained-size tiles (`gan_tf.serving.tiling`).
"""

import tensorflow as tf

from gan_tf.serving import tiling
from gan_tf.viz.images import to_uint8


def _images_spec(network):
    return [tf.TensorSpec([None, None, None, network.input_shape[-1]], tf.uint8, name="images")]


def translation_endpoint(model, network):
    """(function, specs): uint8 `images` of any size -> uint8 `images` of the same size,
    through `network` at the trained size, or in tiles at `load_size` for a patch-trained
    model (see the size policy above)."""
    config = model.config
    pixels = tiling.pixel_translator(network)[0]
    if model.patch_trained(config):
        scale = config.load_size
        whole = lambda images: tiling.tiled(images, pixels, config.image_size, config.image_size // 8,
                                            match_tone=True)
    else:
        scale, whole = config.image_size, pixels

    def translate(images):
        input_size = tf.shape(images)[1:3]
        outputs = whole(tf.image.resize(tf.cast(images, tf.float32), [scale, scale]))
        return {"images": to_uint8(tf.image.resize(outputs, input_size), (0.0, 255.0))}

    return translate, _images_spec(network)


def tiled_endpoint(model, network, overlap, batch_size=tiling.DEFAULT_BATCH):
    """(function, specs) like `translation_endpoint`'s, translating in trained-size tiles
    overlapping by `overlap`, `batch_size` tiles per network call, tones matched."""
    size = model.config.image_size
    tiling.check_tiling(size, overlap, batch_size)
    translate = tiling.pixel_translator(network)[0]

    def translate_tiled(images):
        pixels = tiling.tiled(tf.cast(images, tf.float32), translate, size, overlap, batch_size, match_tone=True)
        return {"images": to_uint8(pixels, (0.0, 255.0))}

    return translate_tiled, _images_spec(network)


def endpoints(model):
    return {name: translation_endpoint(model, network) for name, network in model.translation_networks().items()}


def tiled_endpoints(model, overlap=None, batch_size=tiling.DEFAULT_BATCH):
    """`<signature>_tiled` for each of `endpoints`' translations (overlap: default an eighth
    of the trained size)."""
    overlap = model.config.image_size // 8 if overlap is None else overlap
    return {f"{name}_tiled": tiled_endpoint(model, network, overlap, batch_size)
            for name, network in model.translation_networks().items()}


def networks(model):
    return list(model.translation_networks().values())
