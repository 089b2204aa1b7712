"""TensorFlow Serving glue: warm-up records, models.config, and REST/gRPC request handling.

TF Serving itself cannot be installed everywhere (not on our CI), so everything short of the
binary lives here and is tested against `tf.saved_model.load`: the warm-up requests an export
carries (`assets.extra/tf_serving_warmup_requests`), the `model_config_list` that serves every
model under `saved_models/`, the conversion of a REST `:predict` body into signature inputs
(row `instances` or columnar `inputs`, `{"b64": ...}` binaries) and of outputs back to JSON by
the server's own rules (its json_tensor.cc: per-dtype checks, shapes, error texts), and a gRPC
`Predict` client that sends inputs in the dtypes the signature declares.
"""

import base64
import json
import math
import os
import re
import weakref

import numpy as np
import tensorflow as tf

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
_VERSION = re.compile(r"^\d+$")  # TF Serving loads the whole-number folders of a model


def versions(model_dir):
    """The whole-number versions present under `model_dir`, ascending."""
    if not tf.io.gfile.isdir(model_dir):
        return []
    return sorted(int(n.rstrip("/")) for n in tf.io.gfile.listdir(model_dir) if _VERSION.match(n.rstrip("/")))


def latest_version_dir(model_dir):
    """`<model_dir>/<highest version>`; raises if there is none."""
    found = versions(model_dir)
    if not found:
        raise FileNotFoundError(f"no exported version (a whole-number folder) under {model_dir}")
    return os.path.join(model_dir, str(found[-1]))


def example_inputs(input_signature):
    """Small valid inputs for a signature: batch 1, zeros for floats, ones for integers."""
    inputs = {}
    for spec in input_signature:
        shape = [1 if size is None else size for size in spec.shape]
        if spec.dtype == tf.string:
            inputs[spec.name] = np.full(shape, b"warm-up", object)
        elif spec.dtype.is_floating:
            inputs[spec.name] = np.zeros(shape, spec.dtype.as_numpy_dtype)
        else:
            inputs[spec.name] = np.ones(shape, spec.dtype.as_numpy_dtype)
    return inputs


def write_warmup_requests(version_dir, model_name, endpoints):
    """Writes one PredictRequest per endpoint as PredictionLog records into the export."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    tf.io.gfile.makedirs(os.path.join(version_dir, "assets.extra"))
    with tf.io.TFRecordWriter(os.path.join(version_dir, WARMUP_FILE)) as writer:
        for signature, (_, input_signature) in endpoints.items():
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature)
            )
            for name, value in example_inputs(input_signature).items():
                request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())


def read_warmup_requests(version_dir):
    """The PredictRequests stored in an export's warm-up file."""
    from tensorflow_serving.apis import prediction_log_pb2

    requests = []
    for record in tf.data.TFRecordDataset(os.path.join(version_dir, WARMUP_FILE)):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        requests.append(log.predict_log.request)
    return requests


def model_names(base_dir):
    """Names of the folders under `base_dir` holding at least one whole-number version."""
    if not tf.io.gfile.isdir(base_dir):
        return []
    return sorted(
        name.rstrip("/")
        for name in tf.io.gfile.listdir(base_dir)
        if versions(os.path.join(base_dir, name.rstrip("/")))
    )


def serving_config(base_dir, container_base="/models"):
    """A `model_config_list` in text format for every model under `base_dir`.

    Paths are `<container_base>/<name>`, where the server sees `base_dir`; TF Serving refuses a
    relative `base_path` at start-up, so a relative `container_base` is refused here.
    """
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    if not (container_base.startswith("/") or "://" in container_base):
        raise ValueError(f"container base {container_base!r} is relative and TF Serving refuses a relative "
                         "base_path: give the absolute path the server sees (e.g. /models in the container, "
                         "or \"$PWD/saved_models\" for a local tensorflow_model_server)")
    config = model_server_config_pb2.ModelServerConfig()
    for name in model_names(base_dir):
        model = config.model_config_list.config.add()
        model.name = name
        model.base_path = f"{container_base.rstrip('/')}/{name}"
        model.model_platform = "tensorflow"
    return text_format.MessageToString(config)


# -- REST: the JSON rules of TF Serving's tensorflow_serving/util/json_tensor.cc ------------


class RestError(ValueError):
    """A request TF Serving answers with HTTP 400 and `{"error": message}` (`body`)."""

    @property
    def body(self):
        return {"error": str(self)}


_SERVER_TYPE_NAMES = {"float32": "float", "float64": "double"}  # TF's DataTypeString
_FLOAT_BITS = {"float32": 24, "float64": 53}  # lossless JSON integers: |n| < 2**bits
_INT_RANGES = {"int32": 32, "int16": 32, "int8": 32, "uint8": 32, "int64": 64}  # JSON int kinds


def _show(value):
    """A JSON value as the server prints it in an error."""
    return json.dumps(value)


def _json_type(value):
    if value is None or isinstance(value, bool):
        return {None: "Null", False: "False", True: "True"}[value]
    return {dict: "Object", list: "Array", str: "String"}.get(type(value), "Number")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_b64(value):
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def _type_error(value, dtype):
    name = _SERVER_TYPE_NAMES.get(dtype.name, dtype.name)
    return RestError(f"JSON Value: {_show(value)} Type: {_json_type(value)} is not of expected type: {name}")


def _lossless(number, dtype):
    """Whether the server takes a JSON number for a float input: integers below 2**24 (float32)
    or 2**53 (float64) in magnitude, other numbers within the type's range (its IsLosslessDecimal)."""
    if isinstance(number, int) and -2**63 <= number < 2**64:
        return abs(number) < 2**_FLOAT_BITS[dtype.name]
    try:
        number = float(number)
    except OverflowError:
        return False
    return not math.isfinite(number) or abs(number) <= float(np.finfo(dtype.as_numpy_dtype).max)


def _scalar(value, dtype):
    """One JSON leaf as a value of `dtype`, refused exactly where TF Serving refuses it."""
    if dtype.is_floating:
        if not _is_number(value):
            raise _type_error(value, dtype)
        if not _lossless(value, dtype):
            name = _SERVER_TYPE_NAMES[dtype.name]
            raise RestError(f"Cannot convert JSON value: {_show(value)} to {name} without loss of precision.")
        return float(value)
    if dtype.is_integer and dtype.name in _INT_RANGES:
        bits = _INT_RANGES[dtype.name]
        if not (isinstance(value, int) and not isinstance(value, bool) and -2**(bits - 1) <= value < 2**(bits - 1)):
            raise _type_error(value, dtype)
        return value
    if dtype == tf.string:
        if not isinstance(value, str):
            raise _type_error(value, dtype)
        return value.encode()
    if dtype == tf.bool:
        if not isinstance(value, bool):
            raise _type_error(value, dtype)
        return value
    raise RestError(f"Conversion of JSON Value: {_show(value)} to type: {dtype.name} is not implemented")


def _dense_shape(value):
    """The shape the server reads off a JSON value: list lengths along the first elements."""
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return shape


def _fill(value, level, shape, dtype, flat):
    """Appends the leaves of `value` to `flat`, checking it is a dense tensor of `shape`."""
    if not isinstance(value, list):
        if level != len(shape):
            raise RestError(f"JSON Value: {_show(value)} found at incorrect level: {level + 1} in the JSON DOM. "
                            f"Expected at level: {len(shape)}")
        if isinstance(value, dict):
            if dtype != tf.string:
                raise _type_error(value, dtype)
            if not _is_b64(value):
                raise RestError(f"JSON Value: {_show(value)} not formatted correctly for base64 data")
            try:
                flat.append(base64.b64decode(value["b64"], validate=True))
            except ValueError:
                raise RestError("Unable to base64 decode") from None
        else:
            flat.append(_scalar(value, dtype))
        return
    if level >= len(shape):
        raise RestError(f"Encountered list at unexpected level: {level} expected < {len(shape)}")
    if len(value) != shape[level]:
        raise RestError(f"Encountered list at unexpected size: {len(value)} at level: {level} "
                        f"expected size: {shape[level]}")
    for item in value:
        _fill(item, level + 1, shape, dtype, flat)


def json_to_array(value, dtype):
    """The tensor TF Serving builds from one JSON value for an input of `dtype`."""
    shape, flat = _dense_shape(value), []
    _fill(value, 0, shape, dtype, flat)
    numpy_dtype = object if dtype == tf.string else dtype.as_numpy_dtype
    if dtype.is_integer:  # the server stores small ints as int32 and casts, wrapping around
        return np.array(flat, np.int64).astype(numpy_dtype).reshape(shape)
    return np.array(flat, numpy_dtype).reshape(shape)


def _shape_text(shape):
    return "[" + ",".join(str(size) for size in shape) + "]"


def _rows_to_inputs(rows, dtypes, body):
    """The batched inputs of a row-format (`instances`) request."""
    if not isinstance(rows, list):
        raise RestError(f"JSON Value: {_show(body)} Excepting 'instances' to be an list/array")
    if not rows:
        raise RestError(f"JSON Value: {_show(body)} No values in 'instances' array")
    names = sorted(dtypes)
    if not isinstance(rows[0], dict) and len(names) > 1:
        raise RestError("instances is a plain list, but expecting list of objects as multiple input tensors "
                        "required as per tensorinfo_map")
    objects = isinstance(rows[0], dict) and not _is_b64(rows[0])
    columns = {}

    def add(index, name, value, key_text):
        if name not in dtypes:
            error = f"JSON object: does not have named input: {name}"
        else:
            try:
                array = json_to_array(value, dtypes[name])
                column = columns.setdefault(name, [])
                if column and column[0].size != array.size:
                    raise RestError(f"Expecting tensor size: {column[0].size} but got: {array.size}")
                if column and column[0].shape != array.shape:
                    raise RestError(f"Expecting shape {_shape_text(column[0].shape)} but got: {_shape_text(array.shape)}")
                column.append(array)
                return
            except RestError as failure:
                error = str(failure)
        raise RestError(f"Failed to process element: {index}{key_text} of 'instances' list. "
                        f"Error: INVALID_ARGUMENT: {error}")

    for index, row in enumerate(rows):
        is_object = isinstance(row, dict) and not _is_b64(row)
        if objects and not is_object:
            raise RestError(f"Expecting object but got list at item {index} of input list")
        if not objects and is_object:
            raise RestError(f"Expecting value/list but got object at item {index} of input list")
        if not objects:
            add(index, names[0], row, "")
            continue
        for name, value in row.items():
            add(index, name, value, f" key: {name}")
        if sorted(row) != names:
            raise RestError(f"Failed to process element: {index} of 'instances' list. JSON object: {_show(row)} "
                            f"must only have keys: {','.join(names)}")
    return {name: np.stack(column) for name, column in columns.items()}


def _columns_to_inputs(columns, dtypes):
    """The inputs of a columnar (`inputs`) request; keys the signature lacks are ignored."""
    names = sorted(dtypes)
    if not isinstance(columns, dict) or _is_b64(columns):
        if len(names) > 1:
            raise RestError("inputs is a plain value/list, but expecting an object as multiple input tensors "
                            "required as per tensorinfo_map")
        return {names[0]: json_to_array(columns, dtypes[names[0]])}
    for name in names:
        if name not in columns:
            raise RestError(f"Missing named input: {name} in 'inputs' object.")
    return {name: json_to_array(columns[name], dtypes[name]) for name in names}


def rest_request_to_inputs(body, dtypes):
    """(inputs as numpy arrays, row format?) of a parsed REST `:predict` body for a signature
    whose inputs have `dtypes` ({name: tf.DType}), following TF Serving's JSON rules: row
    `instances` or columnar `inputs`, `{"b64": ...}` for strings, each JSON value checked against
    its input's dtype (no float for an int, no lossy number for a float). Raises RestError with
    the server's error text."""
    if "instances" in body and "inputs" in body:
        raise RestError(f"JSON Value: {_show(body)} Not formatted correctly expecting only one of 'inputs' or "
                        "'instances' keys to exist ")
    if "instances" in body:
        return _rows_to_inputs(body["instances"], dtypes, body), True
    if "inputs" in body:
        return _columns_to_inputs(body["inputs"], dtypes), False
    raise RestError("Missing 'inputs' or 'instances' key")


def _decimal(value, dtype):
    """A float output as the server writes it: six significant digits, or full precision
    when those do not read back to the same value (its WriteDecimal)."""
    if not math.isfinite(value):
        return float(value)
    text = "%g" % value
    if dtype(text) != value:
        text = "%.*g" % (9 if dtype == np.float32 else 17, value)
    return float(text)


def _to_json(name, array):
    """An output tensor as JSON values; `*_bytes` strings as {"b64": ...}."""
    array = np.asarray(array)
    if array.dtype == object or array.dtype.kind == "S":
        if name.endswith("_bytes"):
            convert = lambda v: {"b64": base64.b64encode(v).decode()}
        else:
            convert = lambda v: v.decode("utf-8", "replace")
    elif array.dtype.kind == "f":
        convert = lambda v: _decimal(v, array.dtype.type)
    else:
        return array.tolist()
    return np.array([convert(v) for v in array.reshape(-1)] + [None], object)[:-1].reshape(array.shape).tolist()


def outputs_to_rest_response(outputs, row_format):
    """A REST response body as TF Serving writes it: columnar `outputs` is the one output's
    value, or an object of outputs; row `predictions` is a list over the batch of values (one
    output) or objects, every output needing the same batch size."""
    if not row_format:
        if len(outputs) == 1:
            (name, value), = outputs.items()
            return {"outputs": _to_json(name, value)}
        return {"outputs": {name: _to_json(name, value) for name, value in outputs.items()}}
    batch = None
    for name, value in outputs.items():
        shape = np.shape(value)
        if not shape:
            raise RestError(f"Tensor name: {name} has no shape information ")
        if shape[0] < 1:
            raise RestError(f"Tensor name: {name} has invalid batch size: {shape[0]}")
        if batch is not None and shape[0] != batch:
            raise RestError(f"Tensor name: {name} has inconsistent batch size: {shape[0]} expecting: {batch}")
        batch = shape[0]
    columns = {name: _to_json(name, value) for name, value in outputs.items()}
    if len(columns) == 1:
        return {"predictions": next(iter(columns.values()))}
    return {"predictions": [{name: column[i] for name, column in columns.items()} for i in range(batch)]}


def predict_rest(loaded, body):
    """Runs a REST `:predict` body (JSON text or parsed) against a loaded SavedModel as TF
    Serving would; returns the response body, or raises RestError with the server's text
    (a model's InvalidArgumentError included)."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError as error:
            raise RestError(f"JSON Parse error: {error}") from None
    if not isinstance(body, dict):
        raise RestError(f"JSON Value: {_show(body)} Is not object")
    name = body.get("signature_name", "serving_default")
    if not isinstance(name, str):
        raise RestError(f"JSON Value: {_show(body)} not formatted correctly. 'signature_name' key must be a "
                        "string value.")
    if name not in loaded.signatures:
        raise RestError(f'Serving signature name: "{name}" not found in signature def')
    signature = loaded.signatures[name]
    dtypes = {key: spec.dtype for key, spec in signature.structured_input_signature[1].items()}
    inputs, row_format = rest_request_to_inputs(body, dtypes)
    try:
        outputs = signature(**{key: tf.constant(value, dtypes[key]) for key, value in inputs.items()})
    except tf.errors.InvalidArgumentError as error:
        raise RestError(error.message) from None
    return outputs_to_rest_response({key: value.numpy() for key, value in outputs.items()}, row_format)


# -- gRPC -----------------------------------------------------------------------------------

_SIGNATURE_DEFS = weakref.WeakKeyDictionary()  # stub -> {(model, version): SignatureDefs}


def _model_spec(model_name, signature_name=None, version=None):
    from tensorflow_serving.apis import model_pb2

    spec = model_pb2.ModelSpec(name=model_name, signature_name=signature_name or "")
    if version is not None:
        spec.version.value = version
    return spec


def signature_defs(stub, model_name, version=None, timeout=30.0):
    """{signature name: SignatureDef} of a served model, read once per stub through TF
    Serving's model-metadata RPC (`GetModelMetadata`, field `signature_def`)."""
    from tensorflow_serving.apis import get_model_metadata_pb2

    cache = _SIGNATURE_DEFS.setdefault(stub, {})
    if (model_name, version) not in cache:
        request = get_model_metadata_pb2.GetModelMetadataRequest(
            model_spec=_model_spec(model_name, version=version), metadata_field=["signature_def"])
        found = get_model_metadata_pb2.SignatureDefMap()
        stub.GetModelMetadata(request, timeout=timeout).metadata["signature_def"].Unpack(found)
        cache[(model_name, version)] = dict(found.signature_def)
    return cache[(model_name, version)]


def export_signature_defs(version_dir):
    """{signature name: SignatureDef} of an export, read from its saved_model.pb."""
    from tensorflow.core.protobuf import saved_model_pb2

    with tf.io.gfile.GFile(os.path.join(version_dir, "saved_model.pb"), "rb") as handle:
        return dict(saved_model_pb2.SavedModel.FromString(handle.read()).meta_graphs[0].signature_def)


def as_input(name, value, dtype):
    """`value` as an array of the input's `dtype`; refuses a value that would change (7.5 or
    2**63 for an int64, 1e39 for a float32) instead of sending something else."""
    array = np.asarray(value)
    if dtype == tf.string:
        return array.astype(object)
    converted = array.astype(dtype.as_numpy_dtype)
    if dtype.is_floating:
        changed = np.isfinite(array.astype(np.float64)) & ~np.isfinite(converted)
    else:
        changed = converted != array
    if array.dtype.kind not in "biuf" or np.any(changed):
        raise ValueError(f"input {name} takes {dtype.name}; {value!r} is not one")
    return converted


def grpc_predict(stub, model_name, signature_name, inputs, version=None, timeout=30.0, signatures=None):
    """Calls TF Serving's gRPC `Predict`; returns {output name: numpy array}.

    `stub` is a `prediction_service_pb2_grpc.PredictionServiceStub` over a channel to the
    server (port 8500 by default). Inputs are sent in the dtypes the signature declares, read
    from `signatures` (e.g. `export_signature_defs(path)`) or else once from the server, so
    plain Python numbers work (`{"count": 4, "seed": 7}`).
    """
    from tensorflow_serving.apis import predict_pb2

    signature_name = signature_name or "serving_default"
    signature = (signatures or signature_defs(stub, model_name, version, timeout))[signature_name]
    unknown = set(inputs) - set(signature.inputs)
    if unknown:
        raise ValueError(f"{signature_name} has no input {', '.join(sorted(unknown))}; it takes "
                         f"{', '.join(sorted(signature.inputs))}")
    request = predict_pb2.PredictRequest(model_spec=_model_spec(model_name, signature_name, version))
    for name, value in inputs.items():
        dtype = tf.as_dtype(signature.inputs[name].dtype)
        request.inputs[name].CopyFrom(tf.make_tensor_proto(as_input(name, value, dtype), dtype))
    response = stub.Predict(request, timeout=timeout)
    return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}
