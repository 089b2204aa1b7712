"""Versioned, atomic SavedModel export in the layout TensorFlow Serving loads.

`export(model, base_dir, name)` writes `<base_dir>/<name>/<version>/` with the next free whole
number. The SavedModel is written into a hidden temporary folder beside it and renamed into
place, so a version number only ever names a complete export (TF Serving ignores folders
whose names are not numbers); the warm-up requests go in before the rename. A killed
export's temporary folder is removed by the next export to the same name. Endpoints come
from `model.serving_endpoints()`: {signature name: (function, input TensorSpecs)}; named
specs give stable serving names.
"""

import os
import shutil

import tensorflow as tf
from keras.export import ExportArchive

from gan_tf.serving import versions, write_warmup_requests
from gan_tf.tempfiles import clean_stale, temp_name

def build_archive(model):
    """An `ExportArchive` of the networks `model` serves, with every endpoint it declares.

    Only `model.serving_networks()` are exported: a GAN's discriminator and optimizers stay
    out; lookup tables and other resources come from `model.serving_resources()`. Their
    variables are listed once, as the raw `tf.Variable`s the endpoints capture:
    `ExportArchive.track()` would store every weight twice (the Keras wrapper and the
    tf.Variable), doubling the SavedModel (measured: 16.6 MB instead of 8.4 MB for FashionGAN).
    """
    archive = ExportArchive()
    for name, (function, input_signature) in model.serving_endpoints().items():
        archive.add_endpoint(name, *validating(function, input_signature))
    archive.add_variable_collection(
        "variables", [v.value for network in model.serving_networks() for v in network.variables]
    )
    for resource in model.serving_resources():
        archive.track(resource)
    return archive


def validating(function, input_signature):
    """(function, signature) that accept any shape and reject a wrong one with a clear error.

    A signature with a fixed shape would let TF Serving feed a wrong-sized tensor straight into
    the first layer ("Matrix size-incompatible ..."); instead each input's rank and fixed sizes
    are checked first, and the InvalidArgumentError names the input and the shape it needs.
    """

    def describe(spec):
        return "[" + ", ".join("N" if size is None else str(size) for size in spec.shape) + "]"

    def validated(*inputs):
        checked = []
        for value, spec in zip(inputs, input_signature):
            message = f"input {spec.name} must be {spec.dtype.name} of shape {describe(spec)}"
            expected = tf.constant([-1 if size is None else size for size in spec.shape], tf.int32)
            shape = tf.shape(value, out_type=tf.int32)
            matches = tf.cond(
                tf.equal(tf.size(shape), len(spec.shape)),
                lambda: tf.reduce_all((shape == expected) | (expected < 0)),
                lambda: tf.constant(False),
            )
            with tf.control_dependencies([tf.debugging.Assert(matches, [message, shape])]):
                checked.append(tf.ensure_shape(tf.identity(value), spec.shape))
        return function(*checked)

    relaxed = [tf.TensorSpec(None, spec.dtype, name=spec.name) for spec in input_signature]
    return validated, relaxed


def export(model, base_dir, name, version=None, keep=None):
    """Writes `model`'s endpoints as a new version; returns the version folder's path.

    The export carries TF Serving warm-up requests for every signature. With `keep`, only
    the newest `keep` versions remain afterwards.
    """
    model_dir = os.path.join(base_dir, name)
    tf.io.gfile.makedirs(model_dir)
    clean_stale(model_dir)
    staging = os.path.join(model_dir, temp_name())
    try:
        build_archive(model).write_out(staging, verbose=False)
        write_warmup_requests(staging, name, model.serving_endpoints())
        final = _publish(staging, model_dir, version)
    finally:
        if tf.io.gfile.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)
    if keep:
        prune(model_dir, keep)
    return final


def prune(model_dir, keep):
    """Deletes all but the newest `keep` versions; returns the deleted version numbers."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    old = versions(model_dir)[:-keep]
    for number in old:
        tf.io.gfile.rmtree(os.path.join(model_dir, str(number)))
    return old


def _publish(staging, model_dir, version):
    """Renames a finished export into the next free (or the given) version number."""
    while True:
        number = version if version is not None else (versions(model_dir) or [0])[-1] + 1
        final = os.path.join(model_dir, str(number))
        if tf.io.gfile.exists(final):
            if version is not None:
                raise FileExistsError(f"{final} already exists")
            continue  # another export took this number meanwhile: try the next one
        tf.io.gfile.rename(staging, final)
        return final
