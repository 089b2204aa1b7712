"""Real MNIST (shared copy, dotted IDX file names) through the Beam stage, read by a CVAE."""

import os

import numpy as np
import pytest

from gan_tf.data.reader import make_dataset
from gan_tf.families.cvae.model import CVAE
from tests.conftest import SHARED_DATASETS, read_idx, write_idx

MNIST_DIR = os.path.join(SHARED_DATASETS, "mnist")
NAMES = ("train-images.idx3-ubyte.gz", "train-labels.idx1-ubyte.gz",
         "t10k-images.idx3-ubyte.gz", "t10k-labels.idx1-ubyte.gz")


@pytest.fixture(scope="module")
def small_mnist_dir(tmp_path_factory):
    """The first 200 records of each real MNIST file, under the shared copy's own names."""
    if not all(os.path.exists(os.path.join(MNIST_DIR, n)) for n in NAMES):
        pytest.skip(f"real MNIST not found in {MNIST_DIR}")
    folder = tmp_path_factory.mktemp("mnist")
    for name in NAMES:
        write_idx(folder / name, read_idx(os.path.join(MNIST_DIR, name), 200))
    return str(folder)


def test_mnist_preprocesses_and_trains_a_cvae(small_mnist_dir, tmp_path):
    from gan_tf.pipeline import preprocess
    from gan_tf.pipeline.datasets import idx_source

    output = str(tmp_path / "mnist")
    metadata = preprocess.run(idx_source("mnist", small_mnist_dir), output, shards={"train": 2})
    assert metadata["class_names"] == [str(d) for d in range(10)]
    assert metadata["splits"]["train"]["count"] == 200 and metadata["splits"]["test"]["count"] == 200
    images, labels = next(iter(make_dataset(output, "test", batch_size=200, with_labels=True,
                                            shuffle=False, value_range=(0.0, 255.0))))
    expected = read_idx(os.path.join(MNIST_DIR, NAMES[2]), 200)[..., None]
    order = np.lexsort((images.numpy().reshape(200, -1).sum(axis=1), labels.numpy()))
    reference = np.lexsort((expected.reshape(200, -1).sum(axis=1).astype(float),
                            read_idx(os.path.join(MNIST_DIR, NAMES[3]), 200)))
    np.testing.assert_array_equal(images.numpy()[order], expected[reference])
    config = CVAE.config_for_data(CVAE.config_class(), metadata)
    model = CVAE(config)
    model.compile()
    history = model.fit(CVAE.training_dataset(output, config, batch_size=50), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
