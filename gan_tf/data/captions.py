"""Captioned batches for text-to-image families (StackGAN), from records with embeddings.

Each batch is a dict: `images` (scaled to the model's range and resized to its stage's side),
`embeddings` (one of the image's captions, drawn afresh every epoch, as the official code
samples among an image's captions), `wrong_embeddings` (the chosen caption of another image
of the batch: the next one of another class, or simply the next one where the batch has no
other class or the data no labels), and `labels`, `ids`, `wrong_ids` (record indices) so the
pairing can be checked. No image is ever paired with its own caption as "wrong". Preferring
another class matters: the official code takes the next image, whose caption on a captioned
Fashion-MNIST is often word for word the image's own ("a dark t-shirt"), teaching D to call
true pairs fake.
"""

import numpy as np
import tensorflow as tf

from gan_tf.data import records
from gan_tf.data.reader import DataError, DataFolder, TANH_RANGE, scale_images


def embedding_dim(metadata, data_dir):
    if "embedding_dim" not in metadata:
        raise DataError(f"{data_dir} holds no caption embeddings; preprocess a captioned set, e.g. "
                        f"`gan-tf preprocess captioned_fashion_mnist --embedder minilm ...`")
    return int(metadata["embedding_dim"])


def read_captioned(data_dir, split="train", limit=None):
    """(dataset of (id, uint8 image, label, captions, embeddings), record count)."""
    folder = DataFolder.open(data_dir)
    dim = embedding_dim(folder.metadata, folder)
    files = folder.shards(split)
    channels = folder.image_shape[-1]
    dataset = tf.data.Dataset.from_tensor_slices(files).interleave(
        tf.data.TFRecordDataset, cycle_length=min(len(files), 8),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    dataset = dataset.map(lambda s: records.parse_example(s, channels, embedding_dim=dim),
                          num_parallel_calls=tf.data.AUTOTUNE)
    count = folder.count(split)
    if limit:
        dataset, count = dataset.take(limit), min(count, limit)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(count)).enumerate()
    return dataset.map(lambda i, example: (i, *example)), count


def mismatched(labels):
    """For each example, the index of the next one in the batch (cyclically) with a different
    label, or of the next one where there is none (or labels are -1: unlabelled)."""
    size = tf.shape(labels)[0]
    partners = (tf.range(size)[:, None] + tf.range(1, size)[None, :]) % size  # [B, B-1]
    other = (tf.gather(labels, partners) != labels[:, None]) & (labels[:, None] >= 0)
    first = tf.argmax(tf.cast(other, tf.int32), axis=1, output_type=tf.int32)  # 0: next one
    return tf.gather(partners, first, batch_dims=1)


def fixed_captions(data_dir, count):
    """(captions, embeddings [count, dim], labels [count]): the first caption of the first
    `count` records of the test split (train if none): the same inputs every time, for pictures
    that stay comparable across epochs and for scoring the text conditioning."""
    split = "test" if "test" in DataFolder.open(data_dir).splits else "train"
    dataset, _ = read_captioned(data_dir, split, limit=count)
    captions, embeddings, labels = [], [], []
    for _, _, label, texts, vectors in dataset:
        captions.append(texts[0].numpy().decode("utf-8"))
        embeddings.append(vectors[0].numpy())
        labels.append(int(label))
    return captions, tf.stack(embeddings).numpy(), np.array(labels, np.int64)


def make_caption_dataset(data_dir, split="train", batch_size=64, image_size=None,
                         value_range=TANH_RANGE, shuffle=True, seed=None, limit=None,
                         first_epoch=None):
    """Batches as described in the module docstring. `first_epoch` replays the seeded
    shuffle up to that epoch (endless dataset), like `gan_tf.data.reader.make_dataset`."""
    dataset, count = read_captioned(data_dir, split, limit)
    dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)

    def pick_caption(index, image, label, captions, embeddings):
        choice = tf.random.uniform([], 0, tf.shape(embeddings)[0], tf.int32, seed=seed)
        return index, image, label, embeddings[choice]

    dataset = dataset.map(pick_caption, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if first_epoch is not None:
        if not shuffle or seed is None:
            raise ValueError("first_epoch needs shuffle=True and a seed")
        dataset = dataset.repeat().skip(first_epoch * (count // batch_size))

    def to_batch(ids, images, labels, embeddings):
        images = scale_images(images, value_range)
        if image_size and image_size != images.shape[1]:
            images = tf.image.resize(images, [image_size, image_size], antialias=True)
            images = tf.clip_by_value(images, *value_range)  # the filter overshoots a little
        wrong = mismatched(labels)
        return {"images": images, "embeddings": embeddings, "labels": labels, "ids": ids,
                "wrong_embeddings": tf.gather(embeddings, wrong), "wrong_ids": tf.gather(ids, wrong)}

    return dataset.map(to_batch, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
