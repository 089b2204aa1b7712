"""Image-to-image sources: unpaired domains and paired side-by-side images.

- `DomainFolderSource`: CycleGAN's layout, `trainA/ trainB/ testA/ testB/` of loose images
  (e.g. horse2zebra); each folder becomes a split of the same name, unlabelled. Images are
  converted to the requested channels (a greyscale image in an RGB domain becomes RGB),
  centre cropped and resized like any image folder; unreadable files are rejected and reported.
- `SideBySideSource`: pix2pix's layout, `train/ test/ val/` of images holding two halves side by
  side (e.g. CMP facades, 512x256: photo | label map). Each half is resized to a square;
  `input_side` says which half is the generator's input (facades: "right", the label map), the
  other is the target, written as the record's `target` image.
"""

import numpy as np
from PIL import Image

from gan_tf.pipeline.sources.image_folder import DecodeImageFile, ImageFolderSource, open_image

DOMAIN_SPLITS = ("trainA", "trainB", "testA", "testB")
INPUT_SIDES = ("left", "right")


class DomainFolderSource(ImageFolderSource):
    """Unpaired image domains A and B, one split per `trainA`/`trainB`/`testA`/`testB` folder."""

    split_dirs = DOMAIN_SPLITS


def decode_side_by_side(data, channels, size, input_side):
    """(input, target) uint8 [size, size, channels] halves of a side-by-side image."""
    image = open_image(data, channels)
    width, height = image.size
    if width < 2 or width < height:
        raise ValueError(f"not a side-by-side pair: {width}x{height} (expected width >= height)")
    half = width // 2
    left, right = (
        np.asarray(image.crop(box).resize((size, size), Image.Resampling.LANCZOS), np.uint8)
        .reshape(size, size, channels)
        for box in ((0, 0, half, height), (half, 0, 2 * half, height))
    )
    return (right, left) if input_side == "right" else (left, right)


class DecodeSideBySideFile(DecodeImageFile):
    """(path, label) -> (input, label, target), or a rejected record."""

    pairs = True

    def __init__(self, channels, size, input_side):
        super().__init__(channels, size)
        self.input_side = input_side

    def decode(self, data):
        return decode_side_by_side(data, self.channels, self.size, self.input_side)


class SideBySideSource(ImageFolderSource):
    """Paired images stored side by side; writes records with an `image` and a `target`."""

    def __init__(self, root, image_size=256, channels=3, name=None, input_side="right"):
        if input_side not in INPUT_SIDES:
            raise ValueError(f"input_side must be one of {', '.join(INPUT_SIDES)}, got {input_side!r}")
        super().__init__(root, image_size, channels, name)
        self.target_shape = self.image_shape
        self.input_side = input_side

    def decoder(self):
        height, _, channels = self.image_shape
        return DecodeSideBySideFile(channels, height, self.input_side)
