"""Folders of image files: one sub-folder per class (or loose files, unlabelled).

Layouts accepted under the root: `<class>/<image>` (one split, "train"), or
`train/<class>/<image>` with optional `test/` and `val/` beside it. Every image is converted to
the requested channels (greyscale, palette, CMYK, 16-bit and alpha images included), centre
cropped to a square and resized.

Every entry under the root is accounted for: an image is written or rejected (with its path
and the reason: undecodable, a dangling symlink, a file name that is not UTF-8), and the rest
is listed in the metadata's `ignored` by rule: hidden entries (a name starting with ".", such
as .DS_Store or .git/, whose contents are not read) and files without an image extension. An
empty class folder stays a class (labels keep their numbers) and is listed in `empty_classes`.
"""

import io
import os

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from PIL import Image

from gan_tf.data import image_files
from gan_tf.data.records import NO_LABEL
from gan_tf.pipeline.sources import ACCEPTED, Source, rejection, split_outcomes

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
SPLIT_DIRS = ("train", "test", "val")


def to_mode(image, channels):
    """`image` as 8-bit 'L' or 'RGB', whatever its stored mode."""
    image = image_files.to_8bit(image)
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
    return to_mode(image_files.open_image(io.BytesIO(data)), channels)


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
            yield ACCEPTED, (decoded[0], label, decoded[1]) if self.pairs else (decoded, label)
        except Exception as error:  # PIL raises many types; all mean "unusable file".
            yield rejection(path, error)


def _walk(root):
    """(files, folders, skipped) under `root`, sorted; hidden folders are listed but not
    entered. Local folders are walked by real path: each real folder and file is read once,
    and a link back inside the source or to a folder holding it (a loop) is skipped, listed
    as {path, reason}, so the walk always ends."""
    if "://" in root:  # object stores: no folders, no links
        pattern = FileSystems.join(root, "**")
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list), [], []
    walk = _RealWalk(root)
    walk.enter(root, os.path.realpath(root))
    return walk.unique_files(), sorted(walk.folders), sorted(walk.skipped, key=lambda s: s["path"])


class _RealWalk:
    """One walk of a local folder by real path (see `_walk`)."""

    def __init__(self, root):
        self.root, self.real_root = root, os.path.realpath(root)
        self.seen = {}  # real folder -> the path it was first read under
        self.files, self.folders, self.skipped = [], [], []

    def enter(self, folder, real):
        self.seen[real] = folder
        try:
            with os.scandir(folder) as scanned:
                entries = sorted(scanned, key=lambda e: e.name)
        except OSError as error:
            self.skip(folder, f"folder cannot be read ({error.strerror})", "/")
            return
        for entry in entries:
            if entry.is_dir():  # follows links
                self.folder(entry)
            else:
                self.files.append(entry.path)

    def skip(self, path, reason, end=""):
        self.skipped.append({"path": _shown(path, self.root) + end, "reason": reason})

    def folder(self, entry):
        """A hidden folder is listed, not entered; a link that loops or leads back inside the
        source is skipped; any other folder is entered."""
        real = os.path.realpath(entry.path)
        hidden = entry.name.startswith(".")
        reason = self.loop_reason(entry.path, real) if entry.is_symlink() and not hidden else None
        if reason:
            self.skip(entry.path, reason, "/")
            return
        self.folders.append(entry.path)
        if not hidden:
            self.enter(entry.path, real)

    def loop_reason(self, link, real):
        """Why `link`, to the real folder `real`, is not followed (None: follow it)."""
        holder = os.path.realpath(os.path.dirname(link))
        if real == holder or holder.startswith(real + os.sep):
            return "symlink loop: links to a folder holding the link (not followed)"
        if real.startswith(self.real_root + os.sep):
            return (f"symlink back inside the source, to {_shown(real, self.real_root)}/ "
                    "(read there, not twice)")
        if real in self.seen:
            return (f"symlink to a folder already read as {_shown(self.seen[real], self.root)}/ "
                    "(not read twice)")
        return None

    def unique_files(self):
        """The files, each real file once: a plain entry wins over a link to it, then the
        first path in sorted order; the others are listed in `skipped`."""
        by_real = {}
        for path in sorted(self.files, key=lambda p: (os.path.islink(p), p)):
            real = os.path.realpath(path) if os.path.exists(path) else path  # dangling: rejected later
            first = by_real.setdefault(real, path)
            if first != path:
                self.skip(path, f"same file as {_shown(first, self.root)} (not read twice)")
        return sorted(by_real.values())


def _relative_parts(path, root):
    return os.path.relpath(path, root).split(os.sep)


def _shown(path, root):
    """`path` relative to `root`, printable whatever bytes its name holds."""
    return os.fsencode(os.path.relpath(path, root)).decode("utf-8", "backslashreplace")


def _ignore_reason(name):
    """Why an entry named `name` is not read (None: it is an input)."""
    if name.startswith("."):
        return "hidden (name starts with '.')"
    extension = os.path.splitext(name)[1].lower()
    if extension not in IMAGE_EXTENSIONS:
        return f"not an image file (extension {extension or 'none'})"
    return None


def _utf8(path):
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def scan(root):
    """(inputs, ignored, folders): the image files under `root`, {path, reason} of every
    other entry (relative paths), and every folder that is not hidden."""
    files, folders, skipped = _walk(root)
    hidden = [f for f in folders if os.path.basename(f).startswith(".")]
    inputs, ignored = [], skipped + [{"path": _shown(f, root) + "/", "reason": "hidden folder (not read)"}
                                     for f in hidden]
    for path in files:
        reason = _ignore_reason(os.path.basename(path))
        if reason:
            ignored.append({"path": _shown(path, root), "reason": reason})
        else:
            inputs.append(path)
    return inputs, ignored, [f for f in folders if f not in hidden]


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
        files, self.ignored, folders = scan(root)
        if not files:
            raise FileNotFoundError(
                f"no image files ({', '.join(IMAGE_EXTENSIONS)}) found under {root}"
            )
        by_split = self._split(files)
        self.splits = tuple(s for s in self.split_dirs if s in by_split)
        labelled = {split: self._labels(paths) for split, paths in by_split.items()}
        self.empty_classes = self._empty_classes(folders, files)
        self.class_names = sorted({c for items in labelled.values() for _, c in items if c}
                                  | set(self.empty_classes))
        index = {name: i for i, name in enumerate(self.class_names)}
        self.items = {
            split: [(path, index[c] if c else NO_LABEL) for path, c in items if _utf8(path)]
            for split, items in labelled.items()
        }
        # Beam cannot carry a name that is not UTF-8: such files are rejected by name.
        self.bad_names = {
            split: [{"path": _shown(path, root), "reason": "file name is not valid UTF-8: rename it"}
                    for path, _ in items if not _utf8(path)]
            for split, items in labelled.items()
        }
        self.files = [path for path in files if _utf8(path)]

    def _empty_classes(self, folders, files):
        """Class folders (`<class>/` or `<split>/<class>/`) holding no image file."""
        empty = set()
        for folder in folders:
            parts = _relative_parts(folder, self.root)
            if parts[0] in self.split_dirs:
                parts = parts[1:]
            if len(parts) == 1 and not any(f.startswith(folder + os.sep) for f in files):
                empty.add(parts[0])
        return sorted(empty)

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
        examples, rejected = split_outcomes(
            pipeline
            | f"List{split}" >> beam.Create(self.items[split])
            | f"Reshuffle{split}" >> beam.Reshuffle()
            | f"Decode{split}" >> beam.ParDo(self.decoder()),
            split,
        )
        if self.bad_names[split]:
            named = pipeline | f"BadNames{split}" >> beam.Create(self.bad_names[split])
            rejected = (rejected, named) | f"AllRejected{split}" >> beam.Flatten()
        return examples, rejected
