"""Domain classifiers: the feature extractors for FID/KID on data Inception says little about.

For MNIST-like data, a small CNN trained on the real training split; for unpaired domains
(horse2zebra's trainA/trainB), a domain-A-vs-B classifier that reads whether a translation
looks like its target domain. Their 128-d `features` layer plays the role of Inception's pool3
and their softmax the role of Inception's class probabilities.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gan_tf.data.reader import make_dataset
from gan_tf.networks.layers import MirrorLeftRight


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
    from gan_tf.data.reader import load_metadata

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


DOMAIN_SPLITS = (("trainA", "testA"), ("trainB", "testB"))  # label 0: domain A, 1: domain B
DOMAIN_SIZE = 128  # side the domain classifier reads (larger images are resized to it)
DOMAIN_FILTERS = (32, 64, 128, 256, 256)


def build_domains_classifier(size=DOMAIN_SIZE, channels=3, num_classes=2, filters=DOMAIN_FILTERS):
    """uint8-valued colour images (as float) -> domain probabilities: stride-2 convolutions
    (one per entry of `filters`) and global pooling, so its 128-d `features` describe textures
    (stripes, coats) rather than where things are."""
    images = keras.Input((size, size, channels), name="images")
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(images)
    for filters in filters:
        x = layers.Conv2D(filters, 3, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(128, activation="relu", name="features")(x)
    x = layers.Dropout(0.3)(x)
    probabilities = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(images, probabilities, name="domains_classifier")


def flip_averaged(model):
    """`model` reading each image and its mirror image, its `features` and probabilities
    averaged over the two views: a classifier that cannot tell a picture from its mirror, and
    errs less (horse2zebra test accuracy 0.935 -> 0.954, docs/families/cyclegan.md)."""
    single = keras.Model(model.inputs, [model.get_layer("features").output, model.outputs[0]],
                         name="single_view")
    images = keras.Input(model.input_shape[1:], name="images")
    views = [single(images), single(MirrorLeftRight()(images))]
    features = layers.Average(name="features")([view[0] for view in views])
    probabilities = layers.Average(name="probabilities")([view[1] for view in views])
    return keras.Model(images, [probabilities, features], name=model.name)  # features kept in the graph


def domain_images(data_dir, split, size=DOMAIN_SIZE):
    """A dataset of one split's images at `size` (float pixel values, antialiased)."""
    dataset = make_dataset(data_dir, split, 64, (0.0, 255.0), shuffle=False, cache=False, drop_remainder=False)
    return dataset.unbatch().map(lambda image: tf.image.resize(image, (size, size), antialias=True))


def train_domains_classifier(data_dir, epochs=20, batch_size=32, holdout=0.1, seed=0, size=DOMAIN_SIZE,
                             filters=DOMAIN_FILTERS, zoom=0.0, verbose="auto"):
    """(classifier, accuracies) of a domain-A-vs-B classifier trained on all but the last
    `holdout` of trainA and trainB (flips and shifts as augmentation, a cosine-decayed rate)
    and then `flip_averaged`; accuracies on that held-out part ("val") and on testA + testB
    ("test")."""
    from gan_tf.data.reader import load_metadata

    splits = load_metadata(data_dir)["splits"]
    keras.utils.set_random_seed(seed)
    train, val, test, total = [], [], [], 0
    for label, (train_split, test_split) in enumerate(DOMAIN_SPLITS):
        labelled = lambda split: domain_images(data_dir, split, size).map(lambda x: (x, label))
        kept = int(round(splits[train_split]["count"] * (1 - holdout)))
        total += kept
        train.append(labelled(train_split).take(kept))
        val.append(labelled(train_split).skip(kept))
        test.append(labelled(test_split))
    join = lambda parts: parts[0].concatenate(parts[1])
    augment = keras.Sequential([layers.RandomFlip("horizontal", seed=seed),
                                layers.RandomTranslation(0.1, 0.1, seed=seed)]
                               + ([layers.RandomZoom(zoom, seed=seed)] if zoom else []))
    train = (join(train).cache().shuffle(4096, seed=seed).batch(batch_size)
             .map(lambda x, y: (augment(x, training=True), y)).prefetch(2))
    model = build_domains_classifier(size, filters=filters)
    rate = keras.optimizers.schedules.CosineDecay(1e-3, epochs * -(-total // batch_size))
    model.compile(optimizer=keras.optimizers.Adam(rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train, epochs=epochs, verbose=verbose, shuffle=False)  # the dataset shuffles
    model = flip_averaged(model)

    def accuracy(parts):
        right = [np.argmax(model(x, training=False)[0], 1) == y for x, y in join(parts).batch(128)]
        return float(np.mean(np.concatenate(right)))

    return model, {"val": accuracy(val), "test": accuracy(test)}
