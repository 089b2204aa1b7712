"""Drawing from an export the way a TF Serving client does: `gan-tf sample`'s grids.

GANs draw through their `sample` signature, VAEs through `serving_default` (conditional ones
with labels 0, 1, 2, ... in turn), text-to-image exports through `captions`.
"""

import os
import re

import tensorflow as tf

from gan_tf.serving import tf_serving as serving
from gan_tf.viz.images import make_grid
from gan_tf.viz.plots import captioned_rows


def load_export(path):
    """(loaded SavedModel, version folder) of a version folder or of `saved_models/<name>`
    (its latest version)."""
    if not tf.io.gfile.exists(os.path.join(path, "saved_model.pb")):
        path = serving.latest_version_dir(path)
    return tf.saved_model.load(path), path


def sample_grid(model_path, count=25, seed=0, classes=10, captions=None):
    """(uint8 grid, one line saying what was drawn) from the export at `model_path`."""
    loaded, path = load_export(model_path)
    if captions or "captions" in loaded.signatures:
        return caption_rows(loaded, path, captions, seed)
    inputs = {"count": tf.constant(count, tf.int32), "seed": tf.constant(seed, tf.int64)}
    signature = loaded.signatures.get("sample") or loaded.signatures["serving_default"]
    if "labels" in signature.structured_input_signature[1]:
        inputs["labels"] = tf.range(count) % classes
    try:
        images = signature(**inputs)["images"].numpy()
    except tf.errors.InvalidArgumentError as error:  # the export's own checks, e.g. its max count
        raise ValueError(f"{path} refused the request: {refusal(error.message)}") from None
    return make_grid(images), f"{count} samples from {path}, seed {seed}"


def refusal(message):
    """An export's own check in words, from the InvalidArgumentError its assertion raised:
    `assertion failed: [input count must be between 1 and 8; got] [9]` -> `... got 9`."""
    line = next((l for l in message.splitlines() if l.startswith("assertion failed:")),
                message.splitlines()[0])
    return re.sub(r"^assertion failed: \[(.*)\] \[(.*)\]$", r"\1 \2", line)


def caption_rows(loaded, path, captions, seed, embeddings=None):
    """Text-to-image exports: one row per caption, its text then each stage's image, drawn from
    the caption strings (`captions` signature) or, when given, their `embeddings`
    (`serving_default`, for data not embedded with minilm)."""
    seeds = tf.constant(seed, tf.int64)
    if embeddings is not None:
        result = loaded.signatures["serving_default"](embeddings=tf.constant(embeddings), seed=seeds)
    else:
        if "captions" not in loaded.signatures:
            raise ValueError(f"{path} has no captions signature (its data was not embedded with minilm); "
                             "call its serving_default with embeddings instead")
        if not captions:
            raise ValueError(f"{path} draws from text: pass --captions 'a dark coat' ...")
        result = loaded.signatures["captions"](captions=tf.constant(captions), seed=seeds)
    stages = [result[name].numpy() for name in sorted(result) if name.endswith("_images")]
    return captioned_rows(captions, stages), f"{len(captions)} captions drawn by {path}, seed {seed}"
