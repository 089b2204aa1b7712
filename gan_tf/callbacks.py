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
        self.columns = columns  # default: the model's `monitor_columns`, else a square grid
        self.writer = tf.summary.create_file_writer(os.path.join(log_dir, "images")) if log_dir else None

    def grid(self):
        images = np.asarray(self.model.monitor_images(self.num_images, self.seed))
        return make_grid(images, self.columns or getattr(self.model, "monitor_columns", None))

    def on_epoch_end(self, epoch, logs=None):
        grid = self.grid()
        save_png(grid, os.path.join(self.output_dir, f"epoch_{epoch + 1:04d}.png"))
        if self.writer:
            with self.writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch + 1)
            self.writer.flush()


class LinearDecay(keras.callbacks.Callback):
    """Constant learning rate for `constant_epochs`, then linear decay towards zero (CycleGAN).

    The rate of epoch e (from 0) is base * (1 - max(0, e + 1 - constant_epochs) / (decay_epochs + 1)),
    the papers' code's rule (the last decay epoch runs at base / (decay_epochs + 1)); it is set at the start of every epoch from the epoch number alone,
    so a run resumed by BackupAndRestore continues the schedule. `optimizers` name the model's
    optimizer attributes.
    """

    def __init__(self, base_rate, constant_epochs, decay_epochs,
                 optimizers=("g_optimizer", "d_optimizer")):
        super().__init__()
        if constant_epochs < 0 or decay_epochs < 0:
            raise ValueError("constant_epochs and decay_epochs must not be negative")
        self.base_rate = base_rate
        self.constant_epochs = constant_epochs
        self.decay_epochs = decay_epochs
        self.optimizers = optimizers

    def rate(self, epoch):
        decayed = max(0, epoch + 1 - self.constant_epochs) / (self.decay_epochs + 1)
        return self.base_rate * max(0.0, 1.0 - decayed)

    def on_epoch_begin(self, epoch, logs=None):
        for name in self.optimizers:
            getattr(self.model, name).learning_rate = self.rate(epoch)
