"""What `gan_tf.train` changes in the process for a run, put back when the run returns: a
notebook or an application that trains a model keeps its own dtype policy and random streams."""

import contextlib
import random

import keras
import numpy as np
import tensorflow as tf
from keras.src.backend.common import global_state  # Keras' global seed: no public getter
from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
from tensorflow.python.eager import context  # TensorFlow's global seed: no public getter

# What `keras.utils.set_random_seed` sets besides the Python, NumPy and TensorFlow seeds.
KERAS_SEED_ATTRIBUTES = (GLOBAL_RANDOM_SEED, GLOBAL_SEED_GENERATOR)


@contextlib.contextmanager
def restored():
    """On exit, restores Keras' global dtype policy and the Python, NumPy, TensorFlow and
    Keras global random seeds and streams as they were on entry."""
    policy = keras.mixed_precision.global_policy()
    python_state, numpy_state = random.getstate(), np.random.get_state()
    tf_seed = context.global_seed()
    keras_seeds = {name: global_state.get_global_attribute(name) for name in KERAS_SEED_ATTRIBUTES}
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(policy)
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        tf.random.set_seed(tf_seed)
        for name, value in keras_seeds.items():
            global_state.set_global_attribute(name, value)
