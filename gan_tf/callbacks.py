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
    epochs are comparable. Files are `<output_dir>/epoch_0001.png`, ...; with `log_dir` the
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
        return make_grid(images, self.columns)

    def on_epoch_end(self, epoch, logs=None):
        grid = self.grid()
        save_png(grid, os.path.join(self.output_dir, f"epoch_{epoch + 1:04d}.png"))
        if self.writer:
            with self.writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch + 1)
            self.writer.flush()


class PictureMonitor(keras.callbacks.Callback):
    """Saves the model's named pictures of fixed data after every epoch, as PNG and TensorBoard.

    The model draws them through `model.monitor_pictures(images, labels, class_names)`, which
    returns {name: uint8 [H, W, C]} (a latent scatter plot, a decoded grid, ...). Files are
    `<output_dir>/<name>_epoch_0001.png`; with `log_dir` each goes to TensorBoard's `images`
    run under the tag `<name>`.
    """

    def __init__(self, output_dir, log_dir, images, labels, class_names=None):
        super().__init__()
        self.output_dir = output_dir
        self.images = images
        self.labels = labels
        self.class_names = class_names
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "images")) if log_dir else None

    def on_epoch_end(self, epoch, logs=None):
        pictures = self.model.monitor_pictures(self.images, self.labels, self.class_names)
        for name, picture in pictures.items():
            save_png(picture, os.path.join(self.output_dir, f"{name}_epoch_{epoch + 1:04d}.png"))
            if self.writer:
                with self.writer.as_default():
                    tf.summary.image(name, np.asarray(picture)[None], step=epoch + 1)
        if self.writer:
            self.writer.flush()
