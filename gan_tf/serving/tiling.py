"""Images of any size through an image-to-image generator trained at one size, in overlapping
tiles blended without seams.

The image is cut into `tile`-sized tiles that overlap by `overlap` pixels (the last row and
column are completed by mirroring the image), the tiles go through the generator `batch_size`
at a time, and each output tile is weighted by a raised-cosine window that ramps over the
overlap; the weighted tiles are added back in place and divided by the summed weights. Cutting
and adding back are `tf.signal.frame` / `tf.signal.overlap_and_add` along each axis, so one
image is a handful of batched TF ops (the same code runs eagerly and inside a SavedModel).

Tone: instance normalisation normalises each tile by its own statistics, so two tiles of one
sky can come out in different tones. `match_tone` shifts each output tile's per-channel mean to
that of the same region of a reference: the whole image translated once at the tile size and
resized back (the export's own resize policy), so tiles keep their detail and the whole image
keeps one tone (docs/families/image_to_image.md, measured there).
"""

import math

import numpy as np
import tensorflow as tf

from gan_tf.data.reader import scale_images
from gan_tf.viz.images import to_uint8

DEFAULT_BATCH = 8  # tiles per generator call


def check_tiling(tile, overlap, batch_size=DEFAULT_BATCH):
    """Refuses a tiling that cannot work, in one line naming the value."""
    if tile < 1:
        raise ValueError(f"tile must be at least 1 pixel, got {tile}")
    if not 0 <= overlap <= tile // 2:
        raise ValueError(f"overlap must be between 0 and half the tile ({tile // 2}), got {overlap}")
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")


def window(tile, overlap):
    """float32 [tile]: 1 in the middle, a raised cosine from near 0 up to 1 over `overlap` at
    both ends. Where two tiles overlap their ramps sum to exactly 1 (half-pixel centred)."""
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(overlap) + 0.5) / max(overlap, 1))
    middle = np.ones(tile - 2 * overlap)
    return tf.constant(np.concatenate([ramp, middle, ramp[::-1]]), tf.float32)


def tiled(images, translate, tile, overlap, batch_size=DEFAULT_BATCH, match_tone=False):
    """float32 [N, H, W, C'] of float [N, H, W, C] `images` (any H, W >= 1) translated tile by
    tile: `translate` maps float [B, tile, tile, C] to [B, tile, tile, C'] in the same units.
    With `match_tone`, each output tile's mean per channel is that of the same region of the
    whole image translated at the tile size (one more call of `translate`)."""
    check_tiling(tile, overlap, batch_size)
    images = tf.convert_to_tensor(images, tf.float32)
    step = tile - overlap
    size = tf.shape(images)[1:3]
    counts = 1 + (tf.maximum(size - tile, 0) + step - 1) // step  # tiles down, across
    padded = _mirror_pad(images, (counts - 1) * step + tile)
    tiles = _cut(padded, tile, step)
    outputs = _in_batches(translate, tiles, batch_size)
    if match_tone:
        reference = translate(tf.image.resize(images, [tile, tile], antialias=True))
        reference = _cut(_mirror_pad(tf.image.resize(reference, size), (counts - 1) * step + tile), tile, step)
        outputs += tf.reduce_mean(reference, [1, 2], keepdims=True) - tf.reduce_mean(outputs, [1, 2], keepdims=True)
    ramp = window(tile, overlap)
    weighted = outputs * (ramp[:, None] * ramp[None, :])[None, :, :, None]
    summed = _add_back(weighted, tf.shape(images)[0], counts, tile, step)
    rows = tf.signal.overlap_and_add(tf.tile(ramp[None], [counts[0], 1]), step)
    columns = tf.signal.overlap_and_add(tf.tile(ramp[None], [counts[1], 1]), step)
    blended = summed / (rows[:, None] * columns[None, :])[None, :, :, None]
    return blended[:, :size[0], :size[1]]


def _mirror_pad(images, padded_size):
    """`images` [N, H, W, C] extended below and to the right to `padded_size` by mirroring
    (reflecting as often as needed, so a tile larger than the image works)."""
    for axis in (1, 2):
        length = tf.shape(images)[axis]
        period = tf.maximum(2 * (length - 1), 1)
        index = tf.math.floormod(tf.range(padded_size[axis - 1]), period)
        images = tf.gather(images, tf.where(index >= length, period - index, index), axis=axis)
    return images


def _cut(padded, tile, step):
    """[N * rows * columns, tile, tile, C] tiles of a padded [N, Hp, Wp, C] image."""
    frames = tf.signal.frame(tf.signal.frame(padded, tile, step, axis=1), tile, step, axis=3)
    frames = tf.transpose(frames, [0, 1, 3, 2, 4, 5])  # [N, rows, columns, tile, tile, C]
    return tf.reshape(frames, tf.concat([[-1, tile, tile], tf.shape(padded)[-1:]], 0))


def _add_back(tiles, count, counts, tile, step):
    """The inverse of `_cut` with overlapping parts added: [N, Hp, Wp, C]."""
    grid = tf.reshape(tiles, tf.concat([[count], counts, [tile, tile], tf.shape(tiles)[-1:]], 0))
    rows = tf.signal.overlap_and_add(tf.transpose(grid, [0, 1, 3, 5, 2, 4]), step)  # [N, r, t, C, Wp]
    image = tf.signal.overlap_and_add(tf.transpose(rows, [0, 3, 4, 1, 2]), step)  # [N, C, Wp, Hp]
    return tf.transpose(image, [0, 3, 2, 1])


def _in_batches(translate, tiles, batch_size):
    """`translate` over `tiles` in equal batches of at most `batch_size` (the last filled up
    with repeats of the first tile, dropped after): one call per batch, none per tile."""
    count = tf.shape(tiles)[0]
    calls = (count + batch_size - 1) // batch_size
    per_call = (count + calls - 1) // calls
    filler = tf.repeat(tiles[:1], calls * per_call - count, axis=0)
    batches = tf.reshape(tf.concat([tiles, filler], 0), tf.concat([[calls, per_call], tf.shape(tiles)[1:]], 0))
    outputs = tf.map_fn(translate, batches, fn_output_signature=tf.TensorSpec(None, tf.float32))
    return tf.reshape(outputs, tf.concat([[-1], tf.shape(outputs)[2:]], 0))[:count]


# -- Models and images in, pictures out -----------------------------------------------------


def pixel_translator(model_or_signature, signature=None):
    """(translate, input channels): a function from float pixels [B, h, w, C] in 0..255 to
    float pixels in 0..255, for a loaded export (`signature` or its first image signature), one
    of its signatures, a Keras image-to-image model or generator network (tanh outputs), or a
    plain function already working in pixels; input channels None when it takes any."""
    if hasattr(model_or_signature, "signatures"):
        model_or_signature = export_signature(model_or_signature, signature)
    if hasattr(model_or_signature, "structured_input_signature"):
        function = model_or_signature
        spec = function.structured_input_signature[1]["images"]

        def through_signature(pixels):
            images = tf.cast(tf.clip_by_value(tf.round(pixels), 0.0, 255.0), tf.uint8)
            return tf.cast(function(images=images)["images"], tf.float32)

        return through_signature, spec.shape[-1]
    if hasattr(model_or_signature, "input_shape"):
        network = model_or_signature
        value_range = getattr(network, "value_range", (-1.0, 1.0))
        low, high = value_range

        def through_network(pixels):
            outputs = network(scale_images(pixels, value_range), training=False)
            return (tf.cast(outputs, tf.float32) - low) * (255.0 / (high - low))

        channels = network.generators[0].input_shape[-1] if hasattr(network, "generators") else network.input_shape[-1]
        return through_network, channels
    return model_or_signature, None


def export_signature(loaded, name=None):
    """The signature `name` of a loaded image-to-image export; by default its first
    translation (cyclegan: a_to_b, pix2pix: translate)."""
    names = [n for n, f in loaded.signatures.items() if "images" in f.structured_input_signature[1]]
    if name is None:
        if not names:
            raise ValueError("this export has no signature taking images; translate needs a "
                             "cyclegan or pix2pix export")
        return loaded.signatures[next((n for n in names if n in ("a_to_b", "translate")), names[0])]
    if name not in names:
        raise ValueError(f"no image signature {name!r} in this export; it has {', '.join(names) or 'none'}")
    return loaded.signatures[name]


def as_channels(images, channels):
    """uint8 [..., H, W, C] with C in 1..4 as the `channels` a model takes (None: as they are):
    grey to RGB, RGB to grey; alpha is dropped here (`translate_tiled` puts it back)."""
    if channels is None:
        return images
    if images.shape[-1] in (2, 4):
        images = images[..., :-1]
    if images.shape[-1] == 1 and channels == 3:
        return tf.image.grayscale_to_rgb(images)
    if images.shape[-1] == 3 and channels == 1:
        return tf.image.rgb_to_grayscale(images)
    return images


def translate_tiled(model_or_signature, image, tile, overlap, batch_size=DEFAULT_BATCH,
                    match_tone=True, signature=None):
    """uint8 [H, W, C'] (or [N, H, W, C'] for a batch of one size): `image` (uint8 [H, W],
    [H, W, C] or [N, H, W, C], C 1 grey, 2 grey + alpha, 3 RGB or 4 RGBA) translated in
    `tile`-pixel tiles overlapping by `overlap` (see the module). `model_or_signature`: a loaded
    cyclegan/pix2pix export (its `signature`, default the first), one of its signatures, a
    Keras model or generator, or a function of float pixels 0..255. An input alpha channel is
    passed through unchanged."""
    images = tf.convert_to_tensor(image)
    if images.dtype != tf.uint8:
        raise ValueError(f"image must be uint8, got {images.dtype.name}")
    single = images.shape.rank in (2, 3)
    if images.shape.rank == 2:
        images = images[..., None]
    if single:
        images = images[None]
    if images.shape.rank != 4 or not 1 <= images.shape[-1] <= 4 or 0 in images.shape:
        raise ValueError("image must be [H, W], [H, W, C] or [N, H, W, C] with C 1 to 4 and no empty "
                         f"side, got shape {tuple(image.shape)}")
    translate, channels = pixel_translator(model_or_signature, signature)
    pixels = tf.cast(as_channels(images, channels), tf.float32)
    output = to_uint8(tiled(pixels, translate, tile, overlap, batch_size, match_tone), (0.0, 255.0))
    if images.shape[-1] in (2, 4):
        output = tf.concat([output, images[..., -1:]], -1)
    return (output[0] if single else output).numpy()


def tile_count(height, width, tile, overlap):
    """How many tiles `tiled` cuts an image of height x width into."""
    step = tile - overlap
    return math.prod(1 + -(-max(side - tile, 0) // step) for side in (height, width))
