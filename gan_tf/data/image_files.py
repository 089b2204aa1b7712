"""Opening image files from strangers, shared by preprocessing and `gan-tf translate`.

Both refuse a file whose header claims more than `MAX_IMAGE_PIXELS` pixels before a pixel is
decoded (a 30000x30000 PNG of a few kilobytes would take gigabytes), and both bring 16-bit and
floating-point images to 8 bits the same way. Pillow and NumPy only: no TensorFlow, no Beam.
"""

import re
import warnings

import numpy as np
from PIL import Image

MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS  # Pillow's own decompression-bomb threshold
WIDE_MODES = ("I;16", "I;16B", "I;16L", "I")


def bomb_message(error):
    """One line for Pillow's decompression-bomb error or warning, with the pixel count."""
    claimed = re.search(r"\((\d+) pixels\)", str(error))
    size = f"{int(claimed.group(1)):,} pixels" if claimed else "too many pixels"
    return (f"image of {size} refused: over the limit of {MAX_IMAGE_PIXELS:,} "
            "(a decompression bomb?); scale it down first")


def open_image(source):
    """A decoded PIL image from a path or file object; raises ValueError, before decoding,
    for a header claiming more than MAX_IMAGE_PIXELS."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(source)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ValueError(bomb_message(error)) from None
    try:
        image.load()
    except BaseException:
        image.close()
        raise
    return image


def to_8bit(image):
    """`image` with 8-bit channels: 16-bit grey keeps its top 8 bits (scaled, not clipped),
    floating point is clipped to 0-255; other modes are returned as they are."""
    if image.mode in WIDE_MODES:
        return Image.fromarray((np.asarray(image, np.uint32) >> 8).astype(np.uint8))
    if image.mode == "F":
        return Image.fromarray(np.clip(np.asarray(image), 0, 255).astype(np.uint8))
    return image
