"""Callbacks shared by every family."""

import os

import keras
import numpy as np
import tensorflow as tf

from gan_tf.images import make_grid, save_png


class ModelMonitor(keras.callbacks.Callback):
    """Saves a grid of samples from fixed inputs after every epoch, as PNG and to TensorBoard.

    The model supplies the pictures through `model.monitor_images(count, seed)` (uint8
    [N, H, W, C]); the same `seed` every epoch means every grid shows the same latents, so
    epochs are comparable; the model may choose the grid's columns (`monitor_columns`, e.g. one
row per class). Files are `<output_dir>/epoch_0001.png`, ...; with `log_dir` the
    grid also goes to TensorBoard's `images` run under the tag `samples`.
    """

    def __init__(self, output_dir, log_dir=None, num_images=25, seed=0, columns=None):
        super().__init__()
        self.output_dir = output_dir
        self.num_images = num_images
        self.seed = seed
        self.columns = columns
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "images")) if log_dir else None

    def grid(self):
        images = np.asarray(self.model.monitor_images(self.num_images, self.seed))
        return make_grid(images, self.columns or self.model.monitor_columns(self.num_images))

    def on_epoch_end(self, epoch, logs=None):
        grid = self.grid()
        save_png(grid, os.path.join(self.output_dir, f"epoch_{epoch + 1:04d}.png"))
        if self.writer:
            with self.writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch + 1)
            self.writer.flush()
