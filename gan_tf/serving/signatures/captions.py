"""Signatures of the text-to-image family (StackGAN): `serving_default`: (embeddings float32
[N, dim], seed int64) -> uint8 images of each stage (`model.sample`); with a built-in text
encoder (`config.text_encoder`) also `captions`: (captions string [N], seed) -> the same plus
the captions' `embeddings`, the encoder and its tokenizer inside the SavedModel."""

import tensorflow as tf

from gan_tf.text.builtin import text_encoder


def endpoints(model):
    def generate(embeddings, seed):
        drawn = model.sample(tf.shape(embeddings)[0], seed, embeddings)
        return {name: images for name, images in drawn.items() if name.startswith("stage")}

    seed_spec = tf.TensorSpec([], tf.int64, name="seed")
    found = {"serving_default": (
        generate, [tf.TensorSpec([None, model.config.embedding_dim], tf.float32, name="embeddings"), seed_spec])}
    if model.config.text_encoder:
        encoder, tokenizer = text_encoder(model.config.text_encoder)

        def from_captions(captions, seed):
            embeddings = encoder(tokenizer(captions))
            return {**generate(embeddings, seed), "embeddings": embeddings}

        found["captions"] = (from_captions, [tf.TensorSpec([None], tf.string, name="captions"), seed_spec])
    return found


def networks(model):
    encoder = [text_encoder(model.config.text_encoder)[0]] if model.config.text_encoder else []
    frozen = [model.stage1_generator] if model.stage == 2 else []  # Stage-II draws from it
    return [*frozen, model.drawing_generator, *encoder]


def resources(model):
    return [text_encoder(model.config.text_encoder)[1]] if model.config.text_encoder else []
