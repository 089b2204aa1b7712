"""Folders of image files: one sub-folder per class (or loose files, unlabelled).

Layouts accepted under the root: `<class>/<image>` (one split, "train"), or
`train/<class>/<image>` with optional `test/` and `val/` beside it. Every image is converted to
the requested channels (greyscale, palette, CMYK, 16-bit and alpha images included), centre
cropped to a square and resized. A file that cannot be decoded goes to the rejected output with
its path and the reason: counted and reported, never silently dropped.
"""

import io
import os
import warnings

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from PIL import Image

from gan_tf.records import NO_LABEL
from pipeline.sources import REJECTED, Source

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
SPLIT_DIRS = ("train", "test", "val")


def to_mode(image, channels):
    """`image` as 8-bit 'L' or 'RGB', whatever its stored mode."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = Image.fromarray((np.asarray(image, np.uint32) >> 8).astype(np.uint8))
    elif image.mode == "F":
        image = Image.fromarray(np.clip(np.asarray(image), 0, 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image.alpha_composite(rgba)
    return image.convert("L" if channels == 1 else "RGB")


def centre_crop_resize(image, size):
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    if side != size:
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    return image


def open_image(data, channels):
    """A decoded PIL image in 'L' or 'RGB' from encoded bytes; raises on unreadable data."""
    if not data:
        raise ValueError("empty file")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        image.load()
    return to_mode(image, channels)


def decode_image(data, channels, size):
    """uint8 [size, size, channels] from encoded image bytes; raises on unreadable data."""
    array = np.asarray(centre_crop_resize(open_image(data, channels), size), np.uint8)
    return array.reshape(size, size, channels)


class DecodeImageFile(beam.DoFn):
    """(path, label) -> (image, label), or a rejected record naming the file and the reason.

    A subclass whose `decode` returns (input, target) sets `pairs` and yields
    (input, label, target), the argument order of `records.serialize_example`.
    """

    pairs = False

    def __init__(self, channels, size):
        self.channels = channels
        self.size = size

    def decode(self, data):
        return decode_image(data, self.channels, self.size)

    def process(self, element):
        path, label = element
        try:
            with FileSystems.open(path) as handle:
                data = handle.read()
            decoded = self.decode(data)
            yield (decoded[0], label, decoded[1]) if self.pairs else (decoded, label)
        except Exception as error:  # PIL raises many types; all mean "unusable file".
            yield beam.pvalue.TaggedOutput(
                REJECTED, {"path": path, "reason": f"{type(error).__name__}: {error}"}
            )


def _list_files(folder):
    pattern = FileSystems.join(folder, "**")
    metadata = FileSystems.match([pattern])[0].metadata_list
    return sorted(m.path for m in metadata)


def _relative_parts(path, root):
    return os.path.relpath(path, root).split(os.sep)


def _is_image(path):
    return path.lower().endswith(IMAGE_EXTENSIONS)


class ImageFolderSource(Source):
    """An image folder, labelled by sub-folder name.

    `split_dirs` are the top-level folder names taken as splits when the first one is present.
    """

    split_dirs = SPLIT_DIRS

    def __init__(self, root, image_size=64, channels=3, name=None):
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels}")
        if not FileSystems.exists(root):
            raise FileNotFoundError(f"image folder {root} does not exist")
        self.root = root
        self.name = name or os.path.basename(os.path.normpath(root))
        self.image_shape = (image_size, image_size, channels)
        files = [p for p in _list_files(root) if _is_image(p)]
        if not files:
            raise FileNotFoundError(
                f"no image files ({', '.join(IMAGE_EXTENSIONS)}) found under {root}"
            )
        by_split = self._split(files)
        self.splits = tuple(s for s in self.split_dirs if s in by_split)
        labelled = {split: self._labels(paths) for split, paths in by_split.items()}
        self.class_names = sorted({c for items in labelled.values() for _, c in items if c})
        index = {name: i for i, name in enumerate(self.class_names)}
        self.items = {
            split: [(path, index[c] if c else NO_LABEL) for path, c in items]
            for split, items in labelled.items()
        }
        self.files = files

    def _split(self, files):
        top = {_relative_parts(p, self.root)[0] for p in files}
        if self.split_dirs[0] in top:
            return {
                split: [p for p in files if _relative_parts(p, self.root)[0] == split]
                for split in self.split_dirs
                if split in top
            }
        if self.split_dirs != SPLIT_DIRS:
            raise FileNotFoundError(
                f"{self.root} has no {self.split_dirs[0]}/ folder (expected {', '.join(self.split_dirs)})"
            )
        return {"train": files}

    def _labels(self, paths):
        """(path, class name or None): the class is the folder just above the file."""
        items = []
        for path in paths:
            parts = _relative_parts(path, self.root)
            if parts[0] in self.split_dirs:
                parts = parts[1:]
            items.append((path, parts[-2] if len(parts) >= 2 else None))
        return items

    def decoder(self):
        """The DoFn turning (path, label) into records."""
        height, _, channels = self.image_shape
        return DecodeImageFile(channels, height)

    def read(self, pipeline, split):
        decoded = (
            pipeline
            | f"List{split}" >> beam.Create(self.items[split])
            | f"Reshuffle{split}" >> beam.Reshuffle()
            | f"Decode{split}"
            >> beam.ParDo(self.decoder()).with_outputs(REJECTED, main="images")
        )
        return decoded.images, decoded[REJECTED]
