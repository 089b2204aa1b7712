"""The TensorFlow docs' DCGAN tutorial (tensorflow.org/tutorials/generative/dcgan), as it
writes its networks and its training step, for side-by-side benchmarks on Fashion-MNIST.

Networks: G = Dense(7*7*256, no bias) BN LeakyReLU, Reshape, Conv2DTranspose(128, 5, 1) BN
LeakyReLU, Conv2DTranspose(64, 5, 2) BN LeakyReLU, Conv2DTranspose(1, 5, 2, tanh);
D = Conv2D(64, 5, 2) LeakyReLU Dropout(0.3), Conv2D(128, 5, 2) LeakyReLU Dropout(0.3),
Flatten, Dense(1). Step: one generator forward, both losses from it, two tapes (binary
cross-entropy on logits). Settings: `tutorial` is the tutorial's (Adam 1e-4 for both, batch
256, noise 100); `tutorial_dcgan` is the same with the DCGAN paper's optimiser (Adam 2e-4,
beta_1 0.5) and batch 64. Images in [-1, 1], shuffled with a 60,000 buffer.
"""

import keras
import tensorflow as tf
from keras import layers

from gan_tf.data.reader import TANH_RANGE, make_dataset
from gan_tf.viz.images import make_grid, to_uint8

NOISE_DIM = 100
SETTINGS = {
    "tutorial": {"learning_rate": 1e-4, "beta_1": 0.9, "batch_size": 256},
    "tutorial_dcgan": {"learning_rate": 2e-4, "beta_1": 0.5, "batch_size": 64},
}


def make_generator_model():
    model = keras.Sequential([keras.Input((NOISE_DIM,))])
    model.add(layers.Dense(7 * 7 * 256, use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Reshape((7, 7, 256)))
    model.add(layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding="same", use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding="same", use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU())
    model.add(layers.Conv2DTranspose(1, (5, 5), strides=(2, 2), padding="same", use_bias=False, activation="tanh"))
    return model


def make_discriminator_model():
    model = keras.Sequential([keras.Input((28, 28, 1))])
    model.add(layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same"))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))
    model.add(layers.Conv2D(128, (5, 5), strides=(2, 2), padding="same"))
    model.add(layers.LeakyReLU())
    model.add(layers.Dropout(0.3))
    model.add(layers.Flatten())
    model.add(layers.Dense(1))
    return model


cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)


class TutorialDCGAN(keras.Model):
    """The tutorial's `train_step` inside a `keras.Model`, so `fit` and the quality callbacks
    drive it like our families; `sample` draws as our exports do."""

    uses_labels = False

    def __init__(self, learning_rate, beta_1):
        super().__init__()
        self.generator = make_generator_model()
        self.discriminator = make_discriminator_model()
        self.generator_optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta_1)
        self.discriminator_optimizer = keras.optimizers.Adam(learning_rate, beta_1=beta_1)

    def train_step(self, images):
        noise = tf.random.normal([tf.shape(images)[0], NOISE_DIM])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = self.generator(noise, training=True)
            real_output = self.discriminator(images, training=True)
            fake_output = self.discriminator(generated_images, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            disc_loss = (cross_entropy(tf.ones_like(real_output), real_output)
                         + cross_entropy(tf.zeros_like(fake_output), fake_output))
        gradients_of_generator = gen_tape.gradient(gen_loss, self.generator.trainable_variables)
        gradients_of_discriminator = disc_tape.gradient(disc_loss, self.discriminator.trainable_variables)
        self.generator_optimizer.apply_gradients(zip(gradients_of_generator, self.generator.trainable_variables))
        self.discriminator_optimizer.apply_gradients(
            zip(gradients_of_discriminator, self.discriminator.trainable_variables))
        return {"d_loss": disc_loss, "g_loss": gen_loss}

    def sample_labels(self, count):
        return None

    def sample(self, count, seed, conditions=None):
        noise = tf.random.stateless_normal([count, NOISE_DIM], seed=[seed, 0])
        return {"images": to_uint8(self.generator(noise, training=False), TANH_RANGE)}


def build(name, data):
    """(compiled model, endless training dataset, batch size) for the setting `name`."""
    settings = SETTINGS[name]
    keras.utils.set_random_seed(0)
    model = TutorialDCGAN(settings["learning_rate"], settings["beta_1"])
    model.compile()
    dataset = make_dataset(data, batch_size=settings["batch_size"], value_range=TANH_RANGE, seed=0).repeat()
    return model, dataset, settings["batch_size"]


def grid(model, count=100):
    """uint8 grid of `count` samples (seed 0), as our final grids are drawn."""
    return make_grid(model.sample(count, 0)["images"].numpy(), 10)
