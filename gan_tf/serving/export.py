"""Versioned, atomic SavedModel export in the layout TensorFlow Serving loads.

`export(model, base_dir, name)` writes `<base_dir>/<name>/<version>/` with the next free whole
number. The SavedModel is written into a hidden temporary folder beside it and renamed into
place, so a version number only ever names a complete export (TF Serving ignores folders
whose names are not numbers); the warm-up requests go in before the rename. A killed
export's temporary folder is removed by the next export to the same name. Endpoints come
from the model's kind (`gan_tf.serving.signatures`): {signature name: (function, input
TensorSpecs)}; named specs give stable serving names. `tiling` adds the image-to-image models'
tiled signatures (`gan_tf.serving.tiling`: any image size, in trained-size tiles).
"""

import os
import shutil

import tensorflow as tf
from keras.export import ExportArchive

from gan_tf.config import MAX_PIXELS, MAX_SAMPLE_COUNT
from gan_tf.files import writes
from gan_tf.files.tempfiles import clean_stale, temp_name
from gan_tf.serving import signatures
from gan_tf.serving.signatures import translation
from gan_tf.serving.tf_serving import versions, write_warmup_requests


COUNT_INPUT = "count"  # a scalar integer input of this name asks for that many images


def endpoints(model, tiling=None):
    """{signature: (function, specs)} of `model`'s kind, plus with `tiling` ({"overlap":
    pixels, "batch_size": tiles per call}) its tiled ones (image-to-image only)."""
    found = signatures.endpoints(model)
    if tiling is not None:
        if signatures.kind(model) is not translation:
            raise ValueError(f"{type(model).__name__} does not translate images: only cyclegan and "
                             "pix2pix exports can tile")
        found.update(translation.tiled_endpoints(model, **tiling))
    return found


def build_archive(model, served, max_count=MAX_SAMPLE_COUNT, max_pixels=MAX_PIXELS, xla=False):
    """An `ExportArchive` of the networks `model` serves, with the `served` endpoints
    ({signature: (function, specs)}, from `endpoints`; `xla`: see `compiled`).

    Only the kind's `networks(model)` are exported: a GAN's discriminator and optimizers stay
    out; lookup tables and other resources come from its `resources(model)`. Their
    variables are listed once, as the raw `tf.Variable`s the endpoints capture:
    `ExportArchive.track()` would store every weight twice (the Keras wrapper and the
    tf.Variable), doubling the SavedModel (measured: 16.6 MB instead of 8.4 MB for FashionGAN).
    """
    archive = ExportArchive()
    for name, (function, input_signature) in served.items():
        if xla:
            function = compiled(function, input_signature)
        archive.add_endpoint(name, *validating(function, input_signature, max_count, max_pixels))
    archive.add_variable_collection(
        "variables", [v.value for network in signatures.networks(model) for v in network.variables]
    )
    for resource in signatures.resources(model):
        archive.track(resource)
    return archive


def compiled(function, input_signature):
    """`function` compiled with XLA (`jit_compile=True`), unless its output shape depends on
    an input's value (a `count`): XLA compiles once per input shape, and a count's value is not
    a shape. The input checks stay outside the compiled part (`validating`). TF Serving runs
    such a signature only with `--xla_cpu_compilation_enabled` on a CPU."""
    if any(spec.name == COUNT_INPUT for spec in input_signature):
        return function
    return tf.function(function, jit_compile=True, autograph=False)


def validating(function, input_signature, max_count=MAX_SAMPLE_COUNT, max_pixels=MAX_PIXELS):
    """(function, signature): the declared signature, and a function that checks every input
    before anything else runs.

    TF Serving feeds whatever a request holds, whatever the declared shapes say, and TensorFlow
    trusts a function's declared shapes when it optimises it (a rank check on a declared input
    is folded away). So the checks run in a function of their own that declares no shapes and
    is never inlined (`_noinline`), and the model's function only gets the inputs it returns:
    nothing is computed or allocated for a request until every input has passed. Each
    InvalidArgumentError names the input: its rank and fixed sizes, a batch (first dimension)
    or `count` of at most `max_count`, images of free height and width (image-to-image): at
    least 1 of sides at least 1, at most `max_pixels` pixels in all; finite values for floats.
    """
    relaxed = [tf.TensorSpec(None, spec.dtype, name=spec.name) for spec in input_signature]

    @tf.function(input_signature=relaxed, autograph=False, experimental_attributes={"_noinline": True})
    def check_inputs(*inputs):
        return _checked(inputs, input_signature, max_count, max_pixels)

    def validated(*inputs):
        checked = check_inputs(*inputs)
        return function(*[tf.ensure_shape(value, spec.shape) for value, spec in zip(checked, input_signature)])

    return validated, list(input_signature)


def _checked(inputs, specs, max_count, max_pixels):
    """`inputs` unchanged once all of them have passed their checks (shapes first, then values)."""
    shape_checks = [_shape_check(value, spec, max_count, max_pixels) for value, spec in zip(inputs, specs)]
    with tf.control_dependencies(shape_checks):
        value_checks = [check for value, spec in zip(inputs, specs) for check in _value_checks(value, spec, max_count)]
    with tf.control_dependencies(shape_checks + value_checks):
        return tuple(tf.identity(value) for value in inputs)


def describe(spec):
    """`an int32 scalar`, `float32 of shape [N, 128]` (N: the batch) or `uint8 of shape
    [N, any, any, 3]`, as the error texts and docs/serving.md say."""
    if spec.shape.rank == 0:
        return f"an {spec.dtype.name} scalar"
    sizes = [str(size) if size is not None else "any" if index else "N" for index, size in enumerate(spec.shape)]
    return f"{spec.dtype.name} of shape [{', '.join(sizes)}]"


def _shape_check(value, spec, max_count, max_pixels):
    """An Assert on `value`'s rank and fixed sizes, then (batched inputs) on its batch size and
    (images of free height and width) on their pixels."""
    rank = len(spec.shape)
    shape = tf.shape(value, out_type=tf.int64)
    dims = tf.concat([shape, tf.zeros([rank], tf.int64)], 0)[:rank]
    matches = tf.equal(tf.size(shape), rank)
    for index, size in enumerate(spec.shape):
        if size is not None:
            matches = tf.logical_and(matches, tf.equal(dims[index], size))
    check = tf.debugging.Assert(matches, [f"input {spec.name} must be {describe(spec)}; got shape", shape])
    if not rank or spec.shape[0] is not None:
        return check
    with tf.control_dependencies([check]):
        check = tf.debugging.Assert(
            dims[0] <= max_count, [f"input {spec.name} must hold at most {max_count} items; got", dims[0]])
    if rank != 4 or spec.shape[1] is not None or spec.shape[2] is not None:
        return check
    with tf.control_dependencies([check]):  # float64: the product of any three sizes, exactly enough
        pixels = tf.reduce_prod(tf.cast(dims[:3], tf.float64))
        fits = tf.logical_and(tf.reduce_all(dims[:3] >= 1), pixels <= max_pixels)
        return tf.debugging.Assert(fits, [
            f"input {spec.name} must be 1 or more images of height and width >= 1 and at most "
            f"{max_pixels} pixels in all (images x height x width); got shape", shape])


def _value_checks(value, spec, max_count):
    """Asserts on the values: a `count` in 1..max_count, floats all finite."""
    if spec.name == COUNT_INPUT and spec.dtype.is_integer and spec.shape.rank == 0:
        in_range = tf.logical_and(value >= 1, value <= max_count)
        return [tf.debugging.Assert(in_range, [f"input {COUNT_INPUT} must be between 1 and {max_count}; got", value])]
    if spec.dtype.is_floating:
        finite = tf.reduce_all(tf.math.is_finite(value))
        return [tf.debugging.Assert(finite, [f"input {spec.name} must be finite (no NaN or Inf)"])]
    return []


def export(model, base_dir, name, version=None, keep=None, max_count=MAX_SAMPLE_COUNT,
           max_pixels=MAX_PIXELS, tiling=None, xla=False):
    """Writes `model`'s endpoints as a new version; returns the version folder's path.

    The export carries TF Serving warm-up requests for every signature. With `keep`, only
    the newest `keep` versions remain afterwards. `max_count` bounds the images one request
    may ask for (`count`, and the batch size of every input), `max_pixels` the pixels of one
    request of images of any size. `tiling` adds tiled signatures (see `endpoints`). `xla`
    compiles the signatures with XLA (`compiled`); measured slower on a CPU (docs/benchmarks.md),
    so off by default.
    """
    if max_count < 1:
        raise ValueError(f"max_count must be at least 1, got {max_count}")
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be at least 1, got {max_pixels}")
    model_dir = os.path.join(base_dir, name)
    if version is not None and tf.io.gfile.exists(os.path.join(model_dir, str(version))):
        raise FileExistsError(_taken(model_dir, version))
    writes.check_writable(model_dir, "export folder")  # before any tracing
    tf.io.gfile.makedirs(model_dir)
    served = endpoints(model, tiling)
    clean_stale(model_dir)
    staging = os.path.join(model_dir, temp_name())
    try:
        build_archive(model, served, max_count, max_pixels, xla).write_out(staging, verbose=False)
        write_warmup_requests(staging, name, served)
        final = _publish(staging, model_dir, version)
    except (OSError, tf.errors.OpError) as error:  # a full disk: one line, the old versions stay
        failure = writes.as_write_error(error, model_dir, "nothing exported (its temporary folder was "
                                        f"removed); the versions already there are kept: {versions(model_dir) or 'none'}")
        if failure is None:
            raise
        raise failure from None
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
                raise FileExistsError(_taken(model_dir, version))
            continue  # another export took this number meanwhile: try the next one
        tf.io.gfile.rename(staging, final)
        return final


def _taken(model_dir, version):
    """The one-line refusal of an explicit version that already exists."""
    return (f"{os.path.join(model_dir, str(version))} already exists: versions are never overwritten; "
            f"pick another --version or leave it out for the next free one ({versions(model_dir)[-1] + 1})")
