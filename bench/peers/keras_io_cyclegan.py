"""The keras.io CycleGAN example (A_K_Nain, https://keras.io/examples/generative/cyclegan/,
source keras-team/keras-io examples/generative/cyclegan.py), as it writes its networks and its
training step, for side-by-side benchmarks against `gan_tf.families.cyclegan.model.CycleGAN`.

Networks: ResNet generator = ReflectionPadding2D(3), Conv2D(64, 7, no bias), instance norm,
ReLU; two downsample blocks (Conv2D 3x3 stride 2 "same", norm, ReLU) to 128 and 256 filters;
nine residual blocks (reflection pad 1, Conv2D 3x3 "valid", norm, ReLU, reflection pad 1,
Conv2D 3x3, norm, add); two upsample blocks (Conv2DTranspose 3x3 stride 2, norm, ReLU);
ReflectionPadding2D(3), Conv2D(3, 7) with bias, tanh. Discriminator = Conv2D(64, 4, 2, "same")
LeakyReLU(0.2), then downsample blocks of 128 and 256 filters (4x4 stride 2) and 512 (stride 1),
each with instance norm and LeakyReLU(0.2), and Conv2D(1, 4, "same"). Weights and norm gammas
from N(0, 0.02). The example's `tfa.layers.InstanceNormalization` (tensorflow-addons is gone)
is `keras.layers.GroupNormalization(groups=-1)`, the same computation (epsilon 1e-3 in both).

Step (its `train_step`): one persistent tape over G(x), F(y), both cycles, both identities and
the four discriminator outputs; gradients of each generator's own total loss (LSGAN + 10 cycle
+ 5 identity, mean squared / absolute errors) and each discriminator's LSGAN loss (halved);
four Adam(2e-4, beta_1 0.5) optimisers, one per network. No history pool. `image_size` other
than the example's 256 only serves the tests' tiny runs.
"""

import keras
import tensorflow as tf
from keras import layers

kernel_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
gamma_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def InstanceNormalization(gamma_initializer):
    """tfa.layers.InstanceNormalization: one group per channel."""
    return layers.GroupNormalization(groups=-1, gamma_initializer=gamma_initializer)


class ReflectionPadding2D(layers.Layer):
    """Reflection padding of height and width by `padding` (width, height)."""

    def __init__(self, padding=(1, 1), **kwargs):
        self.padding = tuple(padding)
        super().__init__(**kwargs)

    def call(self, input_tensor, mask=None):
        padding_width, padding_height = self.padding
        padding_tensor = [[0, 0], [padding_height, padding_height],
                          [padding_width, padding_width], [0, 0]]
        return tf.pad(input_tensor, padding_tensor, mode="REFLECT")


def residual_block(x, activation, kernel_initializer=kernel_init, kernel_size=(3, 3),
                   strides=(1, 1), padding="valid", gamma_initializer=gamma_init, use_bias=False):
    dim = x.shape[-1]
    input_tensor = x
    x = ReflectionPadding2D()(input_tensor)
    x = layers.Conv2D(dim, kernel_size, strides=strides, kernel_initializer=kernel_initializer,
                      padding=padding, use_bias=use_bias)(x)
    x = InstanceNormalization(gamma_initializer)(x)
    x = activation(x)
    x = ReflectionPadding2D()(x)
    x = layers.Conv2D(dim, kernel_size, strides=strides, kernel_initializer=kernel_initializer,
                      padding=padding, use_bias=use_bias)(x)
    x = InstanceNormalization(gamma_initializer)(x)
    return layers.add([input_tensor, x])


def downsample(x, filters, activation, kernel_initializer=kernel_init, kernel_size=(3, 3),
               strides=(2, 2), padding="same", gamma_initializer=gamma_init, use_bias=False):
    x = layers.Conv2D(filters, kernel_size, strides=strides, kernel_initializer=kernel_initializer,
                      padding=padding, use_bias=use_bias)(x)
    x = InstanceNormalization(gamma_initializer)(x)
    if activation:
        x = activation(x)
    return x


def upsample(x, filters, activation, kernel_size=(3, 3), strides=(2, 2), padding="same",
             kernel_initializer=kernel_init, gamma_initializer=gamma_init, use_bias=False):
    x = layers.Conv2DTranspose(filters, kernel_size, strides=strides, padding=padding,
                               kernel_initializer=kernel_initializer, use_bias=use_bias)(x)
    x = InstanceNormalization(gamma_initializer)(x)
    if activation:
        x = activation(x)
    return x


def get_resnet_generator(input_img_size, filters=64, num_downsampling_blocks=2,
                         num_residual_blocks=9, num_upsample_blocks=2,
                         gamma_initializer=gamma_init, name=None):
    img_input = layers.Input(shape=input_img_size, name=name + "_img_input")
    x = ReflectionPadding2D(padding=(3, 3))(img_input)
    x = layers.Conv2D(filters, (7, 7), kernel_initializer=kernel_init, use_bias=False)(x)
    x = InstanceNormalization(gamma_initializer)(x)
    x = layers.Activation("relu")(x)
    for _ in range(num_downsampling_blocks):
        filters *= 2
        x = downsample(x, filters=filters, activation=layers.Activation("relu"))
    for _ in range(num_residual_blocks):
        x = residual_block(x, activation=layers.Activation("relu"))
    for _ in range(num_upsample_blocks):
        filters //= 2
        x = upsample(x, filters, activation=layers.Activation("relu"))
    x = ReflectionPadding2D(padding=(3, 3))(x)
    x = layers.Conv2D(3, (7, 7), padding="valid")(x)
    x = layers.Activation("tanh")(x)
    return keras.models.Model(img_input, x, name=name)


def get_discriminator(input_img_size, filters=64, kernel_initializer=kernel_init, name=None):
    img_input = layers.Input(shape=input_img_size, name=name + "_img_input")
    x = layers.Conv2D(filters, (4, 4), strides=(2, 2), padding="same",
                      kernel_initializer=kernel_initializer)(img_input)
    x = layers.LeakyReLU(0.2)(x)
    num_filters = filters
    for num_downsample_block in range(3):
        num_filters *= 2
        x = downsample(x, filters=num_filters, activation=layers.LeakyReLU(0.2), kernel_size=(4, 4),
                       strides=(2, 2) if num_downsample_block < 2 else (1, 1))
    x = layers.Conv2D(1, (4, 4), strides=(1, 1), padding="same",
                      kernel_initializer=kernel_initializer)(x)
    return keras.models.Model(inputs=img_input, outputs=x, name=name)


adv_loss_fn = keras.losses.MeanSquaredError()


def generator_loss_fn(fake):
    return adv_loss_fn(tf.ones_like(fake), fake)


def discriminator_loss_fn(real, fake):
    real_loss = adv_loss_fn(tf.ones_like(real), real)
    fake_loss = adv_loss_fn(tf.zeros_like(fake), fake)
    return (real_loss + fake_loss) * 0.5


class CycleGan(keras.Model):
    """The example's model: `fit` on (horse, zebra) batches in [-1, 1]."""

    def __init__(self, generator_G, generator_F, discriminator_X, discriminator_Y,
                 lambda_cycle=10.0, lambda_identity=0.5):
        super().__init__()
        self.gen_G = generator_G
        self.gen_F = generator_F
        self.disc_X = discriminator_X
        self.disc_Y = discriminator_Y
        self.lambda_cycle = lambda_cycle
        self.lambda_identity = lambda_identity

    def compile(self, gen_G_optimizer, gen_F_optimizer, disc_X_optimizer, disc_Y_optimizer,
                gen_loss_fn, disc_loss_fn, **kwargs):
        """The example's compile; `kwargs` (jit_compile) go to Keras for the benchmark."""
        super().compile(**kwargs)
        self.gen_G_optimizer = gen_G_optimizer
        self.gen_F_optimizer = gen_F_optimizer
        self.disc_X_optimizer = disc_X_optimizer
        self.disc_Y_optimizer = disc_Y_optimizer
        self.generator_loss_fn = gen_loss_fn
        self.discriminator_loss_fn = disc_loss_fn
        self.cycle_loss_fn = keras.losses.MeanAbsoluteError()
        self.identity_loss_fn = keras.losses.MeanAbsoluteError()

    def train_step(self, batch_data):
        real_x, real_y = batch_data
        with tf.GradientTape(persistent=True) as tape:
            fake_y = self.gen_G(real_x, training=True)
            fake_x = self.gen_F(real_y, training=True)
            cycled_x = self.gen_F(fake_y, training=True)
            cycled_y = self.gen_G(fake_x, training=True)
            same_x = self.gen_F(real_x, training=True)
            same_y = self.gen_G(real_y, training=True)
            disc_real_x = self.disc_X(real_x, training=True)
            disc_fake_x = self.disc_X(fake_x, training=True)
            disc_real_y = self.disc_Y(real_y, training=True)
            disc_fake_y = self.disc_Y(fake_y, training=True)
            gen_G_loss = self.generator_loss_fn(disc_fake_y)
            gen_F_loss = self.generator_loss_fn(disc_fake_x)
            cycle_loss_G = self.cycle_loss_fn(real_y, cycled_y) * self.lambda_cycle
            cycle_loss_F = self.cycle_loss_fn(real_x, cycled_x) * self.lambda_cycle
            id_loss_G = self.identity_loss_fn(real_y, same_y) * self.lambda_cycle * self.lambda_identity
            id_loss_F = self.identity_loss_fn(real_x, same_x) * self.lambda_cycle * self.lambda_identity
            total_loss_G = gen_G_loss + cycle_loss_G + id_loss_G
            total_loss_F = gen_F_loss + cycle_loss_F + id_loss_F
            disc_X_loss = self.discriminator_loss_fn(disc_real_x, disc_fake_x)
            disc_Y_loss = self.discriminator_loss_fn(disc_real_y, disc_fake_y)
        grads_G = tape.gradient(total_loss_G, self.gen_G.trainable_variables)
        grads_F = tape.gradient(total_loss_F, self.gen_F.trainable_variables)
        disc_X_grads = tape.gradient(disc_X_loss, self.disc_X.trainable_variables)
        disc_Y_grads = tape.gradient(disc_Y_loss, self.disc_Y.trainable_variables)
        self.gen_G_optimizer.apply_gradients(zip(grads_G, self.gen_G.trainable_variables))
        self.gen_F_optimizer.apply_gradients(zip(grads_F, self.gen_F.trainable_variables))
        self.disc_X_optimizer.apply_gradients(zip(disc_X_grads, self.disc_X.trainable_variables))
        self.disc_Y_optimizer.apply_gradients(zip(disc_Y_grads, self.disc_Y.trainable_variables))
        return {"G_loss": total_loss_G, "F_loss": total_loss_F, "D_X_loss": disc_X_loss,
                "D_Y_loss": disc_Y_loss}


def build(image_size=256, jit_compile=False, seed=0):
    """The example's model, compiled as the example compiles it (XLA on or off)."""
    keras.utils.set_random_seed(seed)
    size = (image_size, image_size, 3)
    model = CycleGan(get_resnet_generator(size, name="generator_G"),
                     get_resnet_generator(size, name="generator_F"),
                     get_discriminator(size, name="discriminator_X"),
                     get_discriminator(size, name="discriminator_Y"))
    adam = lambda: keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
    model.compile(gen_G_optimizer=adam(), gen_F_optimizer=adam(), disc_X_optimizer=adam(),
                  disc_Y_optimizer=adam(), gen_loss_fn=generator_loss_fn,
                  disc_loss_fn=discriminator_loss_fn, jit_compile=jit_compile)
    return model
