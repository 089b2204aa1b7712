"""Captioned sources for text-to-image models (StackGAN): each example also carries captions.

Examples are (uint8 image, label, captions, key), where key = (split, index of the image in
its split) lets precomputed embeddings find their row; `gan_tf.pipeline.preprocess` embeds the
captions with the source's `embedder` and writes captions and vectors into the image's record.

- `CaptionedIdxSource`: MNIST-layout sets (Fashion-MNIST, MNIST) with captions made from the
  class name and attributes measured on the image itself (tone, size on the canvas, width),
  several varied phrasings per image, so the text really describes the picture.
- `CubSource`: the CUB-200-2011 / Oxford-102 layout StackGAN uses: `images/<id>.jpg`,
  `text/<id>.txt` (one caption per line) and the split lists `train/filenames.pickle` and
  `test/filenames.pickle` (StackGAN's) or `train.txt`/`test.txt` (one id per line).
"""

import os

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems

from gan_tf.pipeline.sources import ACCEPTED, Source, empty, rejection, split_outcomes
from gan_tf.pipeline.sources.idx import IdxSource
from gan_tf.pipeline.sources.image_folder import IMAGE_EXTENSIONS, decode_image

FOREGROUND = 30  # pixel value above which a pixel belongs to the garment or the stroke
CLASS_PHRASES = {
    "fashion_mnist": ("t-shirt", "pair of trousers", "pullover", "dress", "coat", "sandal",
                      "shirt", "sneaker", "bag", "ankle boot"),
    "mnist": tuple(f"handwritten {word}" for word in (
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")),
}
# Tertiles of the attributes over the first 5,000 training images of each set.
THRESHOLDS = {
    "fashion_mnist": {"tone": (146.0, 185.0), "coverage": (0.35, 0.53)},
    "mnist": {"tone": (186.0, 196.0), "coverage": (0.147, 0.189)},
}
TEMPLATES = (
    "{a_tone} {name}",
    "{a_size} {name}",
    "{a_size}, {tone} {name}",
    "a picture of {a_name} that is {tone} and {size}",
    "this {name} is {width} and {tone}",
    "{a_width} {name} covering {coverage} of the picture",
    "the image shows {a_tone} {name}",
    "{a_name}, {size} and {width}",
)


def _with_article(phrase):
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def image_attributes(image, thresholds):
    """{tone, size, coverage, width} words measured on a uint8 [H, W, 1] image."""
    pixels = np.asarray(image, np.float32)[..., 0]
    mask = pixels > FOREGROUND
    if not mask.any():
        return {"tone": "faint", "size": "tiny", "coverage": "almost none", "width": "thin"}
    tone = pixels[mask].mean()
    fraction = mask.mean()
    rows, columns = np.nonzero(mask)
    aspect = (np.ptp(columns) + 1) / (np.ptp(rows) + 1)
    low, high = thresholds["tone"]
    small, large = thresholds["coverage"]
    return {
        "tone": "dark" if tone < low else "grey" if tone < high else "bright",
        "size": "small" if fraction < small else "medium-sized" if fraction < large else "large",
        "coverage": "little" if fraction < small else "about half" if fraction < large else "most",
        "width": "narrow" if aspect < 0.75 else "wide" if aspect > 1.25 else "evenly proportioned",
    }


def make_captions(image, class_phrase, count, thresholds, seed):
    """`count` distinct captions of one image (phrasings chosen by `seed`, reproducibly)."""
    words = image_attributes(image, thresholds)
    fields = {**words, "name": class_phrase, "a_name": _with_article(class_phrase),
              **{f"a_{k}": _with_article(v) for k, v in words.items()}}
    chosen = np.random.default_rng(seed).choice(len(TEMPLATES), min(count, len(TEMPLATES)), replace=False)
    return [TEMPLATES[i].format(**fields) for i in sorted(chosen)]


class CaptionedIdxSource(IdxSource):
    """Fashion-MNIST or MNIST with generated captions; `embedder` embeds them."""

    def __init__(self, name, class_names, paths, embedder, captions_per_image=5, **kwargs):
        if name not in CLASS_PHRASES:
            raise ValueError(f"no caption vocabulary for {name!r}; known: {', '.join(CLASS_PHRASES)}")
        super().__init__(name, class_names, paths, **kwargs)
        self.name = f"captioned_{name}"
        self.phrases = CLASS_PHRASES[name]
        self.thresholds = THRESHOLDS[name]
        self.embedder = embedder
        self.captions_per_image = captions_per_image

    def read(self, pipeline, split):
        split_code = self.splits.index(split)

        def captioned(start, chunks):
            for images, labels in chunks:
                indices = range(start, start + len(labels))
                captions = [make_captions(image, self.phrases[label], self.captions_per_image, self.thresholds,
                                          seed=(split_code, index))
                            for index, image, label in zip(indices, images, labels)]
                yield images, labels, captions, [(split, index) for index in indices]

        examples = self.read_chunks(pipeline, split) | f"Caption{split}" >> beam.FlatMapTuple(captioned)
        return examples, empty(pipeline, f"NoRejects{split}")


def captioned_idx_source(name, source_dir, embedder, captions_per_image=5):
    """A `CaptionedIdxSource` over the IDX files of a named set in `source_dir`."""
    from gan_tf.pipeline.datasets import IDX_DATASETS
    from gan_tf.pipeline.sources.idx import find_idx_files

    paths = {split: find_idx_files(source_dir, split) for split in IdxSource.splits}
    return CaptionedIdxSource(name, IDX_DATASETS[name], paths, embedder, captions_per_image)


def read_split_list(root, split):
    """Image ids of a split: `<split>/filenames.pickle` (StackGAN) or `<split>.txt`."""
    pickled = os.path.join(root, split, "filenames.pickle")
    if os.path.exists(pickled):
        import pickle

        with open(pickled, "rb") as handle:
            return [str(name) for name in pickle.load(handle, encoding="latin1")]
    listed = os.path.join(root, f"{split}.txt")
    if os.path.exists(listed):
        with open(listed) as handle:
            return [line.strip() for line in handle if line.strip()]
    return None


class DecodeCaptionedImage(beam.DoFn):
    """(image path, label, captions path, key) -> (image, label, captions, key) or a reject."""

    def __init__(self, channels, size):
        self.channels = channels
        self.size = size

    def process(self, element):
        image_path, label, text_path, key = element
        try:
            with FileSystems.open(text_path) as handle:
                captions = [line.strip() for line in handle.read().decode("utf-8").splitlines() if line.strip()]
            if not captions:
                raise ValueError(f"no captions in {text_path}")
            with FileSystems.open(image_path) as handle:
                image = decode_image(handle.read(), self.channels, self.size)
            yield ACCEPTED, (image, label, captions, key)
        except Exception as error:  # PIL and file errors alike mean "unusable record".
            yield rejection(image_path, error)


class CubSource(Source):
    """CUB-200-2011 / Oxford-102 as StackGAN lays them out; classes are the image folders."""

    def __init__(self, root, embedder, image_size=256, channels=3, name=None):
        self.root = root
        self.name = name or os.path.basename(os.path.normpath(root))
        self.embedder = embedder
        self.image_shape = (image_size, image_size, channels)
        lists = {split: read_split_list(root, split) for split in ("train", "test")}
        self.splits = tuple(split for split, ids in lists.items() if ids)
        if "train" not in self.splits:
            raise FileNotFoundError(f"{root} has no train/filenames.pickle or train.txt")
        ids = [i for split in self.splits for i in lists[split]]
        self.class_names = sorted({os.path.dirname(i) for i in ids if os.path.dirname(i)})
        index = {name: k for k, name in enumerate(self.class_names)}
        self.items = {}
        for split in self.splits:
            self.items[split] = [
                (self.image_path(i), index.get(os.path.dirname(i), -1),
                 os.path.join(root, "text", f"{i}.txt"), (split, position))
                for position, i in enumerate(lists[split])
            ]
        self.files = [path for items in self.items.values() for item in items for path in item[:3:2]]
        self.captions_per_image = None

    def image_path(self, image_id):
        for extension in IMAGE_EXTENSIONS:
            path = os.path.join(self.root, "images", image_id + extension)
            if os.path.exists(path):
                return path
        return os.path.join(self.root, "images", image_id + ".jpg")  # rejected when read

    def read(self, pipeline, split):
        height, _, channels = self.image_shape
        return split_outcomes(
            pipeline
            | f"List{split}" >> beam.Create(self.items[split])
            | f"Reshuffle{split}" >> beam.Reshuffle()
            | f"Decode{split}" >> beam.ParDo(DecodeCaptionedImage(channels, height)),
            split,
        )
