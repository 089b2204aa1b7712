"""The text encoders built into the package, which an export can put in front of a
text-conditional generator so that its SavedModel takes raw caption strings."""

import os

TEXT_ENCODERS = ("minilm",)

_LOADED = {}


def text_encoder(spec):
    """(encoder, in-graph tokenizer) of a built-in text encoder, loaded once per process;
    `spec` is its name, or `name:DIR` for weights in DIR (as the data's embedder named them)."""
    from gan_tf.text.minilm import default_model_dir, load_encoder
    from gan_tf.text.wordpiece import WordPieceTokenizer

    name, _, model_dir = spec.partition(":")
    if name not in TEXT_ENCODERS:
        raise ValueError(f"unknown text encoder {name!r}; built in: {', '.join(TEXT_ENCODERS)}")
    if model_dir and not os.path.isdir(model_dir):
        raise FileNotFoundError(f"{model_dir}: the {name} weights the data was embedded with ({spec}) are "
                                "not there; put them back or preprocess the captions again")
    if spec not in _LOADED:
        model_dir = model_dir or default_model_dir()
        _LOADED[spec] = (load_encoder(model_dir), WordPieceTokenizer(os.path.join(model_dir, "vocab.txt")))
    return _LOADED[spec]
