"""Named data sets: where their raw files come from and how to read them.

With `--source DIR` the original files are read from DIR. Without it the files are fetched
through TensorFlow Datasets' download manager from the URLs of TFDS's own builder, after a quick
reachability check so an offline machine fails in seconds instead of hanging.
"""

import os
import socket
import urllib.parse

from pipeline.sources.idx import IdxSource

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
MNIST_CLASSES = tuple(str(d) for d in range(10))
IDX_DATASETS = {"fashion_mnist": FASHION_MNIST_CLASSES, "mnist": MNIST_CLASSES}
IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
LOCAL_HINTS = {
    "fashion_mnist": "/usr/share/datasets/fashion-mnist (Debian: apt-get install dataset-fashion-mnist)",
    "mnist": "a folder holding the four MNIST IDX .gz files",
}


class OfflineError(RuntimeError):
    """The canonical source cannot be reached and no local files were given."""


def _check_reachable(url, timeout):
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as error:
        raise OfflineError(f"cannot reach {parts.hostname}:{port} ({error})") from error


def download_idx(name, download_dir, timeout=5.0):
    """Local paths of the four IDX files of `name`, fetched with TFDS's download manager."""
    import tensorflow_datasets as tfds

    url = tfds.builder_cls(name).URL
    try:
        _check_reachable(url, timeout)
    except OfflineError as error:
        raise OfflineError(
            f"{error}; pass --source with the original files, e.g. {LOCAL_HINTS[name]}"
        ) from error
    manager = tfds.download.DownloadManager(download_dir=download_dir)
    urls = {
        f"{split}_{i}": urllib.parse.urljoin(url, filename)
        for split, files in IDX_FILES.items()
        for i, filename in enumerate(files)
    }
    paths = {key: os.fspath(path) for key, path in manager.download(urls).items()}
    return {split: (paths[f"{split}_0"], paths[f"{split}_1"]) for split in IDX_FILES}


def idx_source(name, source_dir=None, download_dir=None):
    """The `IdxSource` of a named data set, from local files or the canonical download."""
    if name not in IDX_DATASETS:
        raise ValueError(f"unknown IDX data set {name!r}; known: {', '.join(IDX_DATASETS)}")
    if source_dir:
        return IdxSource.from_folder(name, IDX_DATASETS[name], source_dir)
    paths = download_idx(name, download_dir or os.path.expanduser("~/tensorflow_datasets/downloads"))
    return IdxSource(name, IDX_DATASETS[name], paths)
