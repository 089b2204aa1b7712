"""Training: the driver, run options and state, callbacks, losses, optimizers, tf.distribute."""
