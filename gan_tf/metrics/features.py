"""Feature extractors: uint8 image batches -> (features, class probabilities).

`InceptionV3Features` is the standard (pool3, 2048-d, images resized to 299; weights from a
local file when given, else Keras' own ImageNet download). `ClassifierFeatures` wraps an
in-repo domain classifier (`gan_tf.metrics.classifier`), the right yardstick for 28x28
greyscale data where ImageNet features say little. `stream_features` runs an extractor over
any iterable of batches, keeping only features.
"""

import keras
import numpy as np
import tensorflow as tf

INCEPTION_SIZE = 299


class FeatureExtractor:
    """A Keras model with two outputs, `features` and `probabilities`, plus input preparation."""

    def __init__(self, model, prepare):
        self.model = model
        self.prepare = tf.function(prepare)

    def __call__(self, images):
        features, probabilities = self.model(self.prepare(tf.convert_to_tensor(images)), training=False)
        return np.asarray(features), np.asarray(probabilities)


def _two_outputs(model, feature_layer):
    return keras.Model(model.inputs, [model.get_layer(feature_layer).output, model.outputs[0]])


def inception_v3_features(weights="imagenet"):
    """InceptionV3 pool3 features and ImageNet class probabilities."""
    model = keras.applications.InceptionV3(include_top=True, weights=weights)

    def prepare(images):
        images = tf.cast(images, tf.float32)
        if images.shape[-1] == 1:
            images = tf.image.grayscale_to_rgb(images)
        images = tf.image.resize(images, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
        return keras.applications.inception_v3.preprocess_input(images)

    return FeatureExtractor(_two_outputs(model, "avg_pool"), prepare)


def classifier_features(model_or_path):
    """Penultimate-layer features and class probabilities of a domain classifier; images of
    another side (StackGAN's 32 or 64 px) are resized to the classifier's (antialiased)."""
    model = model_or_path
    if isinstance(model_or_path, str):
        model = keras.models.load_model(model_or_path, safe_mode=True)
    side = tuple(model.inputs[0].shape[1:3])

    def prepare(images):
        images = tf.cast(images, tf.float32)
        if tuple(images.shape[1:3]) == side:
            return images
        return tf.clip_by_value(tf.image.resize(images, side, antialias=True), 0.0, 255.0)

    return FeatureExtractor(_two_outputs(model, "features"), prepare)


def stream_features(extractor, batches):
    """(features [N, D], probabilities [N, K]) of every uint8 image batch in `batches`."""
    features, probabilities = [], []
    for images in batches:
        batch_features, batch_probabilities = extractor(images)
        features.append(batch_features)
        probabilities.append(batch_probabilities)
    if not features:
        raise ValueError("no image batches to extract features from")
    return np.concatenate(features), np.concatenate(probabilities)
