"""Layers shared by the image-to-image networks: normalisation by name, reflection padding.

tensorflow-addons (InstanceNormalization, ReflectionPadding) is gone; instance normalisation is
`GroupNormalization(groups=-1)` (one group per channel), checked against the formula in the tests.
"""

import keras
from keras import ops

NORMS = ("instance", "batch", "none")


def normalization(kind, name=None):
    """The normalisation layer `kind` names: instance (per image and channel), batch or none."""
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    if kind == "batch":
        return keras.layers.BatchNormalization(name=name)
    if kind == "none":
        return keras.layers.Identity(name=name)
    raise ValueError(f"unknown normalisation {kind!r}; choose one of {', '.join(NORMS)}")


@keras.saving.register_keras_serializable(package="gan_tf")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by mirroring the border (no zero frame for the convolution to see)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda side: None if side is None else side + 2 * self.padding
        return batch, grow(height), grow(width), channels

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
