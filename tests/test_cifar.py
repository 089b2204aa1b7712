"""CIFAR-10's binary archive through the Beam stage, bad files reported, and DCGAN on 32x32 RGB.

The fixture writes a tiny archive in the original layout (`cifar-10-batches-bin/`, records of
one label byte + 3072 channel-major bytes); nothing is downloaded.
"""

import json
import os

import numpy as np
import pytest

from gan_tf.pipeline import preprocess
from gan_tf.pipeline.datasets import dataset_source
from gan_tf.pipeline.sources.cifar import BATCH_FILES, RECORD_BYTES
from tests.test_pipeline import read_records

RECORDS_PER_FILE = {"train": 6, "test": 4}


def write_cifar_archive(root):
    """Writes every batch file under root/cifar-10-batches-bin; returns {split: (images, labels)}
    with images as [N, 32, 32, 3] (what the reader must give back)."""
    folder = root / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    written = {}
    for split, names in BATCH_FILES.items():
        images, labels = [], []
        for name in names:
            count = RECORDS_PER_FILE[split]
            batch = rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)
            batch_labels = rng.integers(0, 10, count, dtype=np.uint8)
            channel_major = batch.transpose(0, 3, 1, 2).reshape(count, -1)
            (folder / name).write_bytes(np.hstack([batch_labels[:, None], channel_major]).tobytes())
            images.append(batch)
            labels.append(batch_labels)
        written[split] = (np.concatenate(images), np.concatenate(labels))
    return written


@pytest.fixture(scope="module")
def cifar_archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("cifar")
    return root, write_cifar_archive(root)


@pytest.fixture(scope="module")
def cifar_data_dir(cifar_archive, tmp_path_factory):
    """The archive through `gan-tf preprocess cifar10` (the folder holding the archive's root)."""
    from gan_tf import cli

    output = str(tmp_path_factory.mktemp("cifar_records"))
    assert cli.main(["preprocess", "cifar10", "--source", str(cifar_archive[0]), "--output", output,
                     "--train-shards", "2"]) == 0
    return output


def test_cifar_archive_is_written_record_for_record_as_hwc_images(cifar_archive, cifar_data_dir):
    metadata = json.load(open(os.path.join(cifar_data_dir, "metadata.json")))
    assert metadata["image_shape"] == [32, 32, 3]
    assert metadata["class_names"][0] == "airplane" and metadata["num_classes"] == 10
    assert metadata["splits"]["train"]["count"] == 5 * RECORDS_PER_FILE["train"]
    assert "data_batch_5.bin" in metadata["source_files"]
    for split, (images, labels) in cifar_archive[1].items():
        got_images, got_labels = read_records(cifar_data_dir, split, metadata)
        # Beam does not keep order: compare as multisets of (image bytes, label).
        assert sorted((i.tobytes(), int(l)) for i, l in zip(got_images, got_labels)) == \
            sorted((i.tobytes(), int(l)) for i, l in zip(images, labels))


def test_truncated_cifar_file_fails_naming_the_file(tmp_path):
    write_cifar_archive(tmp_path)
    path = tmp_path / "cifar-10-batches-bin" / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[: 2 * RECORD_BYTES + 100])
    with pytest.raises(Exception, match=r"data_batch_3.bin: truncated .*3073-byte records"):
        dataset_source("cifar10", str(tmp_path))


def test_missing_cifar_file_and_bad_label_are_reported(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    write_cifar_archive(tmp_path)
    (folder / "test_batch.bin").unlink()
    with pytest.raises(Exception, match="test_batch.bin: not found"):
        dataset_source("cifar10", str(folder))
    (folder / "test_batch.bin").write_bytes(bytes([10]) + bytes(RECORD_BYTES - 1))
    with pytest.raises(Exception, match="test_batch.bin: record 0 has label 10"):
        preprocess.run(dataset_source("cifar10", str(folder)), str(tmp_path / "out"))
    assert not (tmp_path / "out" / "metadata.json").exists()


def test_dcgan_trains_on_32x32_rgb_with_one_layer_fewer(cifar_data_dir):
    from gan_tf.data.reader import load_metadata
    from gan_tf.families.dcgan.model import DCGAN

    config = DCGAN.config_for_data(
        DCGAN.config_class(generator_filters=4, discriminator_filters=4, latent_dim=8),
        load_metadata(cifar_data_dir))
    assert config.image_shape == (32, 32, 3)
    model = DCGAN(config)
    assert model.generator.output_shape == (None, 32, 32, 3)
    model.compile(jit_compile=False)
    dataset = DCGAN.training_dataset(cifar_data_dir, config, batch_size=10)
    history = model.fit(dataset, epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][0]) and np.isfinite(history["g_loss"][0])
    assert model.monitor_images(4, 0).shape == (4, 32, 32, 3)
