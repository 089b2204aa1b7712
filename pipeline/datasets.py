"""Named data sets (TFDS names): where their raw files come from and how to read them.

With `--source DIR` the original files are read from DIR. Without it the files are fetched
through TensorFlow Datasets' download manager from the URLs of TFDS's own builder, after a quick
reachability check so an offline machine fails in seconds instead of hanging.
`fashion_mnist` and `mnist` are IDX files; `cifar10` is CIFAR-10's binary archive.
"""

import os
import socket
import urllib.parse

from gan_tf.pipeline.sources.cifar import ARCHIVE_FOLDER, CifarBinarySource
from gan_tf.pipeline.sources.idx import IdxSource

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
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
# The archive TFDS's cifar10 builder downloads (its URL lives in a builder property).
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
LOCAL_HINTS = {
    "fashion_mnist": "/usr/share/datasets/fashion-mnist (Debian: apt-get install dataset-fashion-mnist)",
    "mnist": "a folder holding the four MNIST IDX .gz files",
    "cifar10": "the unpacked cifar-10-binary.tar.gz (cifar-10-batches-bin/ with data_batch_1.bin ...)",
}
DATASETS = (*IDX_DATASETS, "cifar10")


class OfflineError(RuntimeError):
    """The canonical source cannot be reached and no local files were given."""


def _check_reachable(url, timeout):
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as error:
        raise OfflineError(f"cannot reach {parts.hostname}:{port} ({error})") from error


def _download_manager(name, url, download_dir, timeout):
    """TFDS's download manager, once `url` is known to be reachable."""
    import tensorflow_datasets as tfds

    try:
        _check_reachable(url, timeout)
    except OfflineError as error:
        raise OfflineError(
            f"{error}; pass --source with the original files, e.g. {LOCAL_HINTS[name]}"
        ) from error
    return tfds.download.DownloadManager(download_dir=download_dir)


def download_idx(name, download_dir, timeout=5.0):
    """Local paths of the four IDX files of `name`, fetched with TFDS's download manager."""
    import tensorflow_datasets as tfds

    url = tfds.builder_cls(name).URL
    manager = _download_manager(name, url, download_dir, timeout)
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
    paths = download_idx(name, download_dir or _default_download_dir())
    return IdxSource(name, IDX_DATASETS[name], paths)


def download_cifar10(download_dir, timeout=5.0):
    """The unpacked `cifar-10-batches-bin/` folder, fetched with TFDS's download manager."""
    manager = _download_manager("cifar10", CIFAR10_URL, download_dir, timeout)
    return os.path.join(os.fspath(manager.download_and_extract(CIFAR10_URL)), ARCHIVE_FOLDER)


def _default_download_dir():
    return os.path.expanduser("~/tensorflow_datasets/downloads")


def dataset_source(name, source_dir=None, download_dir=None):
    """The source of a named data set (IDX or CIFAR-10), from local files or the download."""
    if name == "cifar10":
        folder = source_dir or download_cifar10(download_dir or _default_download_dir())
        return CifarBinarySource(name, CIFAR10_CLASSES, folder)
    return idx_source(name, source_dir, download_dir)
