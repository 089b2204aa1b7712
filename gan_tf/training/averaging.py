"""An exponential moving average of a generator's weights, for drawing images.

A GAN generator's samples swing from one update to the next as the two players chase each
other; the average of its recent weights draws steadier and usually better images (Yazici et
al. 2019, "The Unusual Effectiveness of Averaging in GAN Training"; Karras et al. 2018). The
averaged copy is a second network of the same architecture whose weights (trainable and
BatchNorm statistics alike) follow those of the trained one; training never reads it.

The decay ramps up as TensorFlow's `ExponentialMovingAverage(num_updates=...)` does,
min(decay, (1 + t) / (10 + t)) after update t, so the first updates do not leave the average
stuck near the random initial weights.
"""

import keras
import tensorflow as tf


def averaged_copy(network):
    """A frozen clone of `network` that starts from its current weights."""
    copy = keras.models.clone_model(network)
    copy.set_weights(network.get_weights())
    copy.trainable = False
    return copy


def ramped_decay(decay, updates):
    """The decay used after `updates` optimizer steps: min(decay, (1 + t) / (10 + t))."""
    updates = tf.cast(updates, tf.float32)
    return tf.minimum(tf.constant(decay, tf.float32), (1.0 + updates) / (10.0 + updates))


def update_average(averaged, network, decay):
    """averaged <- decay x averaged + (1 - decay) x network, for every weight.

    Runs as a cross-replica update (like Keras' optimizer EMA), so it also works on mirrored
    variables inside a `tf.distribute` step, where every replica holds the same weights.
    """

    def update(strategy):
        for average, value in zip(averaged.weights, network.weights):
            strategy.extended.update(
                average.value, lambda a, v: a.assign(decay * a + (1.0 - decay) * tf.cast(v, a.dtype)),
                args=(value.value,), group=False)

    context = tf.distribute.get_replica_context()
    if context is None:
        update(tf.distribute.get_strategy())
    else:
        context.merge_call(update)
