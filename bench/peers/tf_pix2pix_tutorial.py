"""The TensorFlow docs' pix2pix tutorial (https://www.tensorflow.org/tutorials/generative/pix2pix,
source tensorflow/docs site/en/tutorials/generative/pix2pix.ipynb), as it writes its networks
and its training step, for side-by-side benchmarks against `gan_tf.families.pix2pix.model.Pix2Pix`.

Networks: U-Net generator of `downsample` blocks (Conv2D 4x4 stride 2 "same", no bias,
BatchNorm except the first, LeakyReLU) from 256 to 1 px (64, 128, 256, then 512 filters) and
`upsample` blocks (Conv2DTranspose 4x4 stride 2, no bias, BatchNorm, Dropout(0.5) in the first
three, ReLU) each concatenated with its mirror, then Conv2DTranspose(3, 4, 2, tanh).
Discriminator: (input, target) concatenated, downsample 64 (no norm), 128, 256, ZeroPadding2D,
Conv2D(512, 4, no bias), BatchNorm, LeakyReLU, ZeroPadding2D, Conv2D(1, 4): 30x30 logits.
Initialisation N(0, 0.02). LeakyReLU keeps its default slope (0.3), as the tutorial does.

Step (its `train_step`): one generator forward, the discriminator on (input, target) and
(input, output), BCE on logits plus LAMBDA (100) times the L1 distance for the generator, two
tapes, Adam(2e-4, beta_1 0.5) each; the tutorial's TensorBoard summaries are left out. The
tutorial's own loop is a `tf.function`; here the step sits in a `keras.Model` so `fit` drives it
as it drives gan_tf's families. An `image_size` below 256 keeps the outermost levels (for the
tests' tiny runs); at 256 the networks are exactly the tutorial's.
"""

import math

import keras
import tensorflow as tf

OUTPUT_CHANNELS = 3
LAMBDA = 100


def downsample(filters, size, apply_batchnorm=True):
    initializer = tf.random_normal_initializer(0.0, 0.02)
    result = keras.Sequential()
    result.add(keras.layers.Conv2D(filters, size, strides=2, padding="same",
                                   kernel_initializer=initializer, use_bias=False))
    if apply_batchnorm:
        result.add(keras.layers.BatchNormalization())
    result.add(keras.layers.LeakyReLU())
    return result


def upsample(filters, size, apply_dropout=False):
    initializer = tf.random_normal_initializer(0.0, 0.02)
    result = keras.Sequential()
    result.add(keras.layers.Conv2DTranspose(filters, size, strides=2, padding="same",
                                            kernel_initializer=initializer, use_bias=False))
    result.add(keras.layers.BatchNormalization())
    if apply_dropout:
        result.add(keras.layers.Dropout(0.5))
    result.add(keras.layers.ReLU())
    return result


def Generator(image_size=256):
    inputs = keras.layers.Input(shape=[image_size, image_size, 3])
    levels = int(round(math.log2(image_size)))  # 8 at 256 px
    down_stack = [
        downsample(64, 4, apply_batchnorm=False),  # (bs, 128, 128, 64)
        downsample(128, 4),  # (bs, 64, 64, 128)
        downsample(256, 4),  # (bs, 32, 32, 256)
        downsample(512, 4),  # (bs, 16, 16, 512)
        downsample(512, 4),  # (bs, 8, 8, 512)
        downsample(512, 4),  # (bs, 4, 4, 512)
        downsample(512, 4),  # (bs, 2, 2, 512)
        downsample(512, 4),  # (bs, 1, 1, 512)
    ][:levels]
    up_stack = [
        upsample(512, 4, apply_dropout=True),  # (bs, 2, 2, 1024)
        upsample(512, 4, apply_dropout=True),  # (bs, 4, 4, 1024)
        upsample(512, 4, apply_dropout=True),  # (bs, 8, 8, 1024)
        upsample(512, 4),  # (bs, 16, 16, 1024)
        upsample(256, 4),  # (bs, 32, 32, 512)
        upsample(128, 4),  # (bs, 64, 64, 256)
        upsample(64, 4),  # (bs, 128, 128, 128)
    ][8 - levels:]
    initializer = tf.random_normal_initializer(0.0, 0.02)
    last = keras.layers.Conv2DTranspose(OUTPUT_CHANNELS, 4, strides=2, padding="same",
                                        kernel_initializer=initializer, activation="tanh")
    x = inputs
    skips = []
    for down in down_stack:
        x = down(x)
        skips.append(x)
    skips = reversed(skips[:-1])
    for up, skip in zip(up_stack, skips):
        x = up(x)
        x = keras.layers.Concatenate()([x, skip])
    x = last(x)
    return keras.Model(inputs=inputs, outputs=x)


def Discriminator(image_size=256):
    initializer = tf.random_normal_initializer(0.0, 0.02)
    inp = keras.layers.Input(shape=[image_size, image_size, 3], name="input_image")
    tar = keras.layers.Input(shape=[image_size, image_size, 3], name="target_image")
    x = keras.layers.concatenate([inp, tar])  # (bs, 256, 256, channels*2)
    down1 = downsample(64, 4, False)(x)  # (bs, 128, 128, 64)
    down2 = downsample(128, 4)(down1)  # (bs, 64, 64, 128)
    down3 = downsample(256, 4)(down2)  # (bs, 32, 32, 256)
    zero_pad1 = keras.layers.ZeroPadding2D()(down3)  # (bs, 34, 34, 256)
    conv = keras.layers.Conv2D(512, 4, strides=1, kernel_initializer=initializer,
                               use_bias=False)(zero_pad1)  # (bs, 31, 31, 512)
    batchnorm1 = keras.layers.BatchNormalization()(conv)
    leaky_relu = keras.layers.LeakyReLU()(batchnorm1)
    zero_pad2 = keras.layers.ZeroPadding2D()(leaky_relu)  # (bs, 33, 33, 512)
    last = keras.layers.Conv2D(1, 4, strides=1, kernel_initializer=initializer)(zero_pad2)  # (bs, 30, 30, 1)
    return keras.Model(inputs=[inp, tar], outputs=last)


loss_object = keras.losses.BinaryCrossentropy(from_logits=True)


def generator_loss(disc_generated_output, gen_output, target):
    gan_loss = loss_object(tf.ones_like(disc_generated_output), disc_generated_output)
    l1_loss = tf.reduce_mean(tf.abs(target - gen_output))
    total_gen_loss = gan_loss + (LAMBDA * l1_loss)
    return total_gen_loss, gan_loss, l1_loss


def discriminator_loss(disc_real_output, disc_generated_output):
    real_loss = loss_object(tf.ones_like(disc_real_output), disc_real_output)
    generated_loss = loss_object(tf.zeros_like(disc_generated_output), disc_generated_output)
    return real_loss + generated_loss


class TutorialPix2Pix(keras.Model):
    """The tutorial's networks, optimisers and `train_step`: `fit` on (input, target) batches."""

    def __init__(self, image_size=256):
        super().__init__()
        self.generator = Generator(image_size)
        self.discriminator = Discriminator(image_size)
        self.generator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.discriminator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)

    def train_step(self, data):
        input_image, target = data
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            gen_output = self.generator(input_image, training=True)
            disc_real_output = self.discriminator([input_image, target], training=True)
            disc_generated_output = self.discriminator([input_image, gen_output], training=True)
            gen_total_loss, gen_gan_loss, gen_l1_loss = generator_loss(
                disc_generated_output, gen_output, target)
            disc_loss = discriminator_loss(disc_real_output, disc_generated_output)
        generator_gradients = gen_tape.gradient(gen_total_loss, self.generator.trainable_variables)
        discriminator_gradients = disc_tape.gradient(disc_loss, self.discriminator.trainable_variables)
        self.generator_optimizer.apply_gradients(
            zip(generator_gradients, self.generator.trainable_variables))
        self.discriminator_optimizer.apply_gradients(
            zip(discriminator_gradients, self.discriminator.trainable_variables))
        return {"gen_total_loss": gen_total_loss, "gen_gan_loss": gen_gan_loss,
                "gen_l1_loss": gen_l1_loss, "disc_loss": disc_loss}


def build(image_size=256, jit_compile=False, seed=0):
    """The tutorial's model, compiled for `fit` (XLA on or off)."""
    keras.utils.set_random_seed(seed)
    model = TutorialPix2Pix(image_size)
    model.compile(jit_compile=jit_compile)
    return model
