"""Per-example image preparation for image-to-image training (tf.data graph code).

`random_jitter` is the papers' augmentation: resize up to 286/256 of the training size, crop
back at a random place, flip left-right at random. With a larger `load` it crops patches of a
larger picture instead (patch training: the network learns at that scale and translates whole
images in tiles). A paired example's images are jittered
together (same crop, same flip) so input and target stay aligned. Images come in as uint8 and
leave as float32 on the 0-255 scale, which `gan_tf.data.reader.scale_images` accepts.
"""

import tensorflow as tf

LOAD_RATIO = 286 / 256


def resize(images, size):
    """A tuple of images resized to `size` x `size`."""
    return tuple(tf.image.resize(tf.cast(image, tf.float32), [size, size]) for image in images)


def random_jitter(images, size, seed=None, load=None, flip=True):
    """A tuple of images jittered together: resized up to `load` (default 286/256 of `size`),
    cropped at one place to `size`, flipped together (unless `flip` is off)."""
    load = load or int(round(size * LOAD_RATIO))
    resized = resize(images, load)
    channels = [image.shape[-1] for image in resized]
    stacked = tf.image.random_crop(tf.concat(resized, -1), [size, size, sum(channels)], seed=seed)
    if flip:
        stacked = tf.image.random_flip_left_right(stacked, seed=seed)
    return tuple(tf.split(stacked, channels, axis=-1))
