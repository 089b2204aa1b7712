"""Data: the preprocessed folder, its TFRecord layout and checks, and the tf.data readers."""
