"""Domain classifiers for MNIST-like data: the feature extractor for FID/KID on 28x28 images.

A small CNN trained on the real training split; its 128-d `features` layer plays the role of
Inception's pool3 and its softmax the role of Inception's class probabilities.
"""

import keras
from keras import layers

from gan_tf.data import make_dataset


def build_domain_classifier(image_shape, num_classes):
    """uint8-valued images (as float) -> class probabilities; layer `features` is 128-d."""
    images = keras.Input(image_shape, name="images")
    x = layers.Rescaling(1 / 255.0)(images)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu", name="features")(x)
    x = layers.Dropout(0.5)(x)
    probabilities = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(images, probabilities, name="domain_classifier")


def train_domain_classifier(data_dir, epochs=3, batch_size=128, limit=None, seed=0, verbose="auto"):
    """(classifier, test accuracy) after training on the data set's train split."""
    from gan_tf.data import load_metadata

    metadata = load_metadata(data_dir)
    keras.utils.set_random_seed(seed)
    model = build_domain_classifier(tuple(metadata["image_shape"]), metadata["num_classes"])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    raw = (0.0, 255.0)  # the classifier rescales itself, so it takes pixel values as they are
    train = make_dataset(data_dir, "train", batch_size, raw, with_labels=True, limit=limit, seed=seed)
    test = make_dataset(data_dir, "test", batch_size, raw, with_labels=True, shuffle=False,
                        drop_remainder=False)
    model.fit(train, epochs=epochs, verbose=verbose, shuffle=False)  # the dataset shuffles
    _, accuracy = model.evaluate(test, verbose=0)
    return model, float(accuracy)
