"""ModelMonitor writes the same-latent grid every epoch, as PNG and to TensorBoard."""

import glob

import numpy as np
import tensorflow as tf
from PIL import Image

from gan_tf.data.reader import make_dataset
from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.training.callbacks import ModelMonitor
from gan_tf.viz.images import make_grid


def test_make_grid_places_images_row_by_row():
    images = np.stack([np.full((2, 3, 1), i, np.uint8) for i in range(5)])
    grid = make_grid(images, columns=3, padding=1, pad_value=255)
    assert grid.shape == (2 * 3 + 1, 3 * 4 + 1, 1)
    assert grid[1, 1, 0] == 0 and grid[1, 5, 0] == 1 and grid[4, 1, 0] == 3
    assert grid[4, 9, 0] == 255  # the sixth cell is empty


def test_monitor_saves_a_grid_per_epoch_and_logs_it(small_data_dir, tmp_path):
    model = FashionGAN(FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8)))
    model.compile()
    monitor = ModelMonitor(str(tmp_path / "samples"), str(tmp_path / "logs"), num_images=9)
    first_grid = monitor.grid() if monitor.set_model(model) is None else None
    model.fit(make_dataset(small_data_dir, batch_size=32, limit=64), epochs=2, verbose=0,
              callbacks=[monitor])
    files = sorted(glob.glob(str(tmp_path / "samples" / "*.png")))
    assert [f.rsplit("/", 1)[1] for f in files] == ["epoch_0001.png", "epoch_0002.png"]
    picture = np.asarray(Image.open(files[0]))
    assert picture.shape == (3 * 30 + 2, 3 * 30 + 2)
    assert not np.array_equal(picture, first_grid[..., 0])  # training changed the samples
    events = glob.glob(str(tmp_path / "logs" / "images" / "events.out.tfevents.*"))
    tags = {value.tag for e in events for event in tf.compat.v1.train.summary_iterator(e)
            for value in event.summary.value}
    assert "samples" in tags
