"""The image history pool of CycleGAN (Shrivastava et al. 2017; Zhu et al. 2017, section 4).

The discriminators see a mix of the newest fakes and fakes from earlier steps, which damps
oscillation. Until the pool holds `size` images every new image is stored and returned; after
that each new image is, with probability 1/2, swapped for a random stored one (the stored one is
returned, the new one takes its slot), else returned as is. The pool is a layer whose images and
fill count are non-trainable weights, so it is saved and restored with the model.

Under a `tf.distribute` strategy every replica keeps its own pool: the weights are mirrored
with no aggregation, so each replica's writes stay on its own copy (a checkpoint saves the first
replica's), and each replica takes its own part of the random draws (`draw_per_replica`).
"""

import keras
import tensorflow as tf

from gan_tf.training.distribute import draw_per_replica


@keras.saving.register_keras_serializable(package="gan_tf")
class HistoryPool(keras.layers.Layer):
    """`pool(images)` -> the images the discriminator should see; size 0 disables the pool.

    With a batch larger than one, two images drawing the same slot in one call both get the
    image stored there and only one of them is kept (CycleGAN trains with batch 1, where this
    never happens). Writes of images that are not kept go to one spare slot past the end.
    """

    def __init__(self, size, image_shape, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.image_shape = tuple(image_shape)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.images = self.add_weight(shape=(self.size + 1,) + self.image_shape,
                                      initializer="zeros", trainable=False, name="images")
        self.count = self.add_weight(shape=(), dtype="int32", initializer="zeros",
                                     trainable=False, name="count")

    def call(self, images):
        if self.size == 0:
            return images
        batch = tf.shape(images)[0]
        positions = self.count + tf.range(batch)
        filling = positions < self.size
        swap = (draw_per_replica(
            lambda n: keras.random.uniform((n,), seed=self.seed_generator), batch) < 0.5) & ~filling
        random_slots = draw_per_replica(
            lambda n: keras.random.randint((n,), 0, self.size, seed=self.seed_generator,
                                           dtype="int32"), batch)
        slots = tf.where(filling, positions, random_slots)
        stored = tf.gather(self.images, slots)
        targets = tf.where(filling | swap, slots, self.size)  # the rest go to the spare slot
        self.images.assign(tf.tensor_scatter_nd_update(
            self.images, targets[:, None], tf.cast(images, self.images.dtype)))
        self.count.assign(tf.minimum(self.count + batch, self.size))
        return tf.where(swap[:, None, None, None], tf.cast(stored, images.dtype), images)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "image_shape": self.image_shape,
                "seed": self.seed}
