"""TensorFlow Serving glue: warm-up records, models.config, and REST/gRPC request handling.

TF Serving itself cannot be installed everywhere (not on our CI), so everything short of the
binary lives here and is tested against `tf.saved_model.load`: the warm-up requests an export
carries (`assets.extra/tf_serving_warmup_requests`), the `model_config_list` that serves every
model under `saved_models/`, the conversion of a REST `:predict` body into signature inputs
(row `instances` or columnar `inputs`, `{"b64": ...}` binaries) and of outputs back to JSON,
and a gRPC `Predict` client.
"""

import base64
import os
import re

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

    Paths are `<container_base>/<name>`, where the container mounts `base_dir`.
    """
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    config = model_server_config_pb2.ModelServerConfig()
    for name in model_names(base_dir):
        model = config.model_config_list.config.add()
        model.name = name
        model.base_path = f"{container_base.rstrip('/')}/{name}"
        model.model_platform = "tensorflow"
    return text_format.MessageToString(config)


def _decode(value):
    """JSON value -> numpy, turning {"b64": ...} objects into bytes."""
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def rest_request_to_inputs(body, signature):
    """Signature inputs from a REST `:predict` body, in row or columnar format.

    Raises ValueError naming what is wrong (unknown or missing inputs, both formats at once).
    """
    specs = signature.structured_input_signature[1]
    if ("instances" in body) == ("inputs" in body):
        raise ValueError('a predict request needs exactly one of "instances" or "inputs"')
    if "inputs" in body:
        columns = body["inputs"]
        if not isinstance(columns, dict):
            columns = {next(iter(specs)): columns}
    else:
        rows = body["instances"]
        if all(isinstance(row, dict) for row in rows):
            columns = {name: [row[name] for row in rows] for name in rows[0]} if rows else {}
        else:
            columns = {next(iter(specs)): rows}
    unknown = set(columns) - set(specs)
    missing = set(specs) - set(columns)
    if unknown or missing:
        raise ValueError(
            f"inputs {sorted(unknown)} are not in the signature and {sorted(missing)} are missing; "
            f"it takes {sorted(specs)}"
        )
    return {
        name: tf.constant(np.asarray(_decode(value)), dtype=specs[name].dtype)
        for name, value in columns.items()
    }


def _encode(name, array):
    if name.endswith("_bytes"):
        return [{"b64": base64.b64encode(v).decode()} for v in np.asarray(array).reshape(-1)]
    return np.asarray(array).tolist()


def outputs_to_rest_response(outputs, row_format):
    """A REST response body: `predictions` (row format) or `outputs` (columnar)."""
    if not row_format:
        return {"outputs": {name: _encode(name, value) for name, value in outputs.items()}}
    if len(outputs) == 1:
        (name, value), = outputs.items()
        return {"predictions": _encode(name, value)}
    count = len(next(iter(outputs.values())))
    columns = {name: _encode(name, value) for name, value in outputs.items()}
    return {"predictions": [{name: column[i] for name, column in columns.items()} for i in range(count)]}


def predict_rest(loaded, body):
    """Runs a REST `:predict` body against a loaded SavedModel as TF Serving would."""
    signature = loaded.signatures[body.get("signature_name", "serving_default")]
    outputs = signature(**rest_request_to_inputs(body, signature))
    return outputs_to_rest_response({k: v.numpy() for k, v in outputs.items()}, "instances" in body)


def grpc_predict(stub, model_name, signature_name, inputs, version=None, timeout=30.0):
    """Calls TF Serving's gRPC `Predict`; returns {output name: numpy array}.

    `stub` is a `prediction_service_pb2_grpc.PredictionServiceStub` over a channel to the
    server (port 8500 by default).
    """
    from tensorflow_serving.apis import model_pb2, predict_pb2

    spec = model_pb2.ModelSpec(name=model_name, signature_name=signature_name)
    if version is not None:
        spec.version.value = version
    request = predict_pb2.PredictRequest(model_spec=spec)
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    response = stub.Predict(request, timeout=timeout)
    return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}
