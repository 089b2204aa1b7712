"""TF Serving, short of the binary: CLI inspection, warm-up, models.config, REST and gRPC.

Requests that must fail are run the way the server runs them (`tests.serving_double`: the
export in a Session, fed without Python-side checks), after the warm-up requests, as a
server started with --enable_model_warmup would.
"""

import json
import os
import resource
import subprocess
import sys
import time
from concurrent import futures

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_service_pb2_grpc

from gan_tf.families.fashion_gan.config import FashionGANConfig
from gan_tf.families.fashion_gan.model import FashionGAN
from gan_tf.registry import FAMILIES
from gan_tf.serving import export, tf_serving as serving
from gan_tf.serving import signatures
from gan_tf.serving.signatures.latent import images as served_images
from tests.serving_double import PredictionServiceDouble, ServedModel

TINY = FashionGANConfig(generator_filters=8, discriminator_filters=(8, 8, 8, 8), latent_dim=16)
SAVED_MODEL_CLI = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = FashionGAN(TINY)
    base = str(tmp_path_factory.mktemp("saved_models"))
    return model, export.export(model, base, "fashion_gan"), base


def test_saved_model_cli_shows_and_runs_every_signature(exported, tmp_path):
    _, path, _ = exported
    shown = subprocess.run([SAVED_MODEL_CLI, "show", "--all", "--dir", path], capture_output=True,
                           text=True, check=True).stdout
    for expected in ("signature_def['serving_default']", "signature_def['sample']", "inputs['latent']",
                     "outputs['images']", "DT_UINT8"):
        assert expected in shown
    sample = shown[shown.index("signature_def['sample']"):]
    assert "shape: (-1, 16)" in shown and "shape: ()" in sample  # declared, not unknown_rank
    arrays = {"latent": np.zeros((2, 16), np.float32), "count": np.int32(3), "seed": np.int64(5)}
    for name, value in arrays.items():
        np.save(tmp_path / f"{name}.npy", value)
    runs = {"serving_default": ["latent"], "sample": ["count", "seed"]}
    for signature, names in runs.items():
        out = tmp_path / signature
        inputs = ";".join(f"{name}={tmp_path / name}.npy" for name in names)
        subprocess.run([SAVED_MODEL_CLI, "run", "--dir", path, "--tag_set", "serve", "--signature_def",
                        signature, "--inputs", inputs, "--outdir", str(out)], check=True, capture_output=True)
        images = np.load(out / "images.npy")
        assert images.dtype == np.uint8 and images.shape[1:] == (28, 28, 1)


def test_warmup_records_parse_and_run(exported):
    _, path, _ = exported
    requests = serving.read_warmup_requests(path)
    assert {r.model_spec.signature_name for r in requests} == {"serving_default", "sample"}
    loaded = tf.saved_model.load(path)
    for request in requests:
        signature = loaded.signatures[request.model_spec.signature_name]
        inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
        assert set(inputs) == set(signature.structured_input_signature[1])
        assert signature(**inputs)["images"].dtype == tf.uint8


def test_serving_config_lists_every_model(exported, tmp_path):
    _, _, base = exported
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    config = text_format.Parse(serving.serving_config(base), model_server_config_pb2.ModelServerConfig())
    assert [(m.name, m.base_path) for m in config.model_config_list.config] == [("fashion_gan", "/models/fashion_gan")]
    with pytest.raises(ValueError, match="relative"):
        serving.serving_config(base, "saved_models")  # TF Serving refuses a relative base_path


def test_rest_requests_in_both_formats(exported):
    model, path, _ = exported
    loaded = tf.saved_model.load(path)
    latent = np.random.default_rng(0).normal(size=(2, 16)).astype("float32")
    rows = serving.predict_rest(loaded, {"instances": latent.tolist()})
    columns = serving.predict_rest(loaded, {"signature_name": "serving_default", "inputs": {"latent": latent.tolist()}})
    expected = served_images(model, latent).numpy()
    np.testing.assert_array_equal(np.array(rows["predictions"]), expected)
    np.testing.assert_array_equal(np.array(columns["outputs"]), expected)  # one output: no name
    sampled = serving.predict_rest(loaded, '{"signature_name": "sample", "inputs": {"count": 2, "seed": 7}}')
    assert np.array(sampled["outputs"]["images"]).shape == (2, 28, 28, 1)
    latent_out = np.array(sampled["outputs"]["latent"], np.float32)
    np.testing.assert_array_equal(np.array(sampled["outputs"]["images"]), served_images(model, latent_out))
    with pytest.raises(serving.RestError, match=r"^Missing named input: seed in 'inputs' object\.$"):
        serving.predict_rest(loaded, {"signature_name": "sample", "inputs": {"count": 2}})


def documented_model(tmp_path):
    """The models of TF Serving's REST API page: half_plus_three (`x` -> `y` = x / 2 + 3) and
    one taking its named inputs `tag` string [N], `signal` float [N, 5], `sensor` [N, 2, 2]."""

    class Documented(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
        def half_plus_three(self, x):
            return {"y": x / 2 + 3}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="tag"),
                                      tf.TensorSpec([None, 5], tf.float32, name="signal"),
                                      tf.TensorSpec([None, 2, 2], tf.float32, name="sensor")])
        def named(self, tag, signal, sensor):
            return {"tag": tag, "total": tf.reduce_sum(signal, 1) + tf.reduce_sum(sensor, [1, 2])}

    module = Documented()
    path = str(tmp_path / "documented")
    tf.saved_model.save(module, path, signatures={"serving_default": module.half_plus_three, "named": module.named})
    return tf.saved_model.load(path)


def test_rest_matches_the_request_response_pairs_of_tf_serving_documentation(tmp_path):
    """Pairs from tensorflow_serving/g3doc/api_rest.md ("Predict API", "Example")."""
    loaded = documented_model(tmp_path)
    assert serving.predict_rest(loaded, '{"instances": [1.0,2.0,5.0]}') == {"predictions": [3.5, 4.0, 5.5]}
    assert serving.predict_rest(loaded, '{"inputs": [1.0,2.0,5.0]}') == {"outputs": [3.5, 4.0, 5.5]}
    rows = """{"signature_name": "named", "instances": [
        {"tag": "foo", "signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]},
        {"tag": "bar", "signal": [3, 4, 1, 2, 5], "sensor": [[4, 5], [6, 8]]}]}"""
    columns = """{"signature_name": "named", "inputs": {"tag": ["foo", "bar"],
        "signal": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]], "sensor": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]}}"""
    assert serving.predict_rest(loaded, rows) == {"predictions": [{"tag": "foo", "total": 25.0},
                                                                  {"tag": "bar", "total": 38.0}]}
    assert serving.predict_rest(loaded, columns) == {"outputs": {"tag": ["foo", "bar"], "total": [25.0, 38.0]}}
    # Single-input row examples of the page: three scalars; two tensors of shape [1, 2].
    assert serving.json_to_array(["foo", "bar", "baz"], tf.string).tolist() == [b"foo", b"bar", b"baz"]
    assert serving.json_to_array([[[1, 2]], [[3, 4]]], tf.float32).shape == (2, 1, 2)
    assert serving.json_to_array({"b64": "aW1hZ2UgYnl0ZXM="}, tf.string) == b"image bytes"
    assert np.isnan(serving.json_to_array(json.loads("[1.0, -3.14, NaN, Infinity]"), tf.float32)).tolist() == [
        False, False, True, False]  # the page's JSON conformance tokens
    with pytest.raises(serving.RestError, match="^Serving signature name: \"nope\" not found in signature def$"):
        serving.predict_rest(loaded, {"signature_name": "nope", "instances": [1.0]})


@pytest.mark.parametrize("value, dtype, error", [
    (4.0, tf.int32, "JSON Value: 4.0 Type: Number is not of expected type: int32"),
    (4.7, tf.int32, "JSON Value: 4.7 Type: Number is not of expected type: int32"),
    (True, tf.int32, "JSON Value: true Type: True is not of expected type: int32"),
    (2**31, tf.int32, "JSON Value: 2147483648 Type: Number is not of expected type: int32"),
    (7.5, tf.int64, "JSON Value: 7.5 Type: Number is not of expected type: int64"),
    ("7", tf.int64, 'JSON Value: "7" Type: String is not of expected type: int64'),
    (2**63, tf.int64, "JSON Value: 9223372036854775808 Type: Number is not of expected type: int64"),
    (1e39, tf.float32, "Cannot convert JSON value: 1e\\+39 to float without loss of precision."),
    (16777217, tf.float32, "Cannot convert JSON value: 16777217 to float without loss of precision."),
    ("0.5", tf.float32, 'JSON Value: "0.5" Type: String is not of expected type: float'),
    (5, tf.string, "JSON Value: 5 Type: Number is not of expected type: string"),
    ([1, [2]], tf.int32, "Encountered list at unexpected level: 1 expected < 1"),
    ([[1, 2], [3]], tf.int32, "Encountered list at unexpected size: 1 at level: 1 expected size: 2"),
])
def test_rest_refuses_what_json_tensor_refuses(value, dtype, error):
    """The type rules of TF Serving's json_tensor.cc (AddValueToTensor, IsLosslessDecimal)."""
    with pytest.raises(serving.RestError, match=f"^{error}$"):
        serving.json_to_array(value, dtype)


def test_rest_takes_what_json_tensor_takes():
    assert serving.json_to_array(4, tf.int32).dtype == np.int32
    assert serving.json_to_array(2**63 - 1, tf.int64) == 2**63 - 1
    assert serving.json_to_array(16777215, tf.float32) == 16777215  # the largest lossless integer
    assert serving.json_to_array(1e-50, tf.float32) == 0  # within range: taken (underflows)
    assert serving.json_to_array(3.4e38, tf.float32).dtype == np.float32


def test_rest_row_errors_follow_the_server(exported):
    _, path, _ = exported
    loaded = tf.saved_model.load(path)
    rows = {"signature_name": "sample", "instances": [{"count": 2, "seed": 7}, {"count": 2}]}
    with pytest.raises(serving.RestError, match=(r"^Failed to process element: 1 of 'instances' list\. "
                                                 r'JSON object: \{"count": 2\} must only have keys: count,seed$')):
        serving.predict_rest(loaded, rows)
    rows["instances"][1] = {"count": 2.0, "seed": 7}
    with pytest.raises(serving.RestError, match="^Failed to process element: 1 key: count of 'instances' list"):
        serving.predict_rest(loaded, rows)
    with pytest.raises(serving.RestError, match="expecting only one of 'inputs' or 'instances'"):
        serving.predict_rest(loaded, {"instances": [[0.0] * 16], "inputs": [[0.0] * 16]})
    # Well-formed JSON the model refuses: a 400 with the model's named error.
    with pytest.raises(serving.RestError, match="input latent must be finite"):
        serving.predict_rest(loaded, '{"instances": [[NaN' + ", 0.0" * 15 + "]]}")
    with pytest.raises(serving.RestError, match="input count must be an int32 scalar"):
        serving.predict_rest(loaded, {"signature_name": "sample", "instances": [{"count": 2, "seed": 7}]})
    with pytest.raises(serving.RestError, match="Tensor name: latent has no shape information"):
        serving.outputs_to_rest_response({"latent": np.float32(1.0)}, row_format=True)


def test_rest_floats_are_written_as_the_server_writes_them():
    response = serving.outputs_to_rest_response({"y": np.array([0.2, 1 / 3, np.nan], np.float32)}, False)
    assert json.dumps(response) == '{"outputs": [0.2, 0.333333343, NaN]}'


@pytest.fixture()
def grpc_stub(exported):
    _, path, _ = exported
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionServiceDouble("fashion_gan", path), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield prediction_service_pb2_grpc.PredictionServiceStub(channel)
    server.stop(None)


def test_grpc_client_takes_dtypes_from_the_model_metadata(exported, grpc_stub):
    model, path, _ = exported
    result = serving.grpc_predict(grpc_stub, "fashion_gan", "sample", {"count": 4, "seed": 7})
    assert result["images"].shape == (4, 28, 28, 1) and result["images"].dtype == np.uint8
    np.testing.assert_array_equal(result["images"], served_images(model, result["latent"]).numpy())
    latent = np.random.default_rng(0).normal(size=(2, 16))  # float64: sent as the signature's float32
    images = serving.grpc_predict(grpc_stub, "fashion_gan", "serving_default", {"latent": latent})["images"]
    np.testing.assert_array_equal(images, served_images(model, latent.astype(np.float32)).numpy())
    signatures = serving.export_signature_defs(path)
    assert list(signatures["sample"].inputs["count"].tensor_shape.dim) == []
    assert [d.size for d in signatures["serving_default"].inputs["latent"].tensor_shape.dim] == [-1, 16]
    assert serving.grpc_predict(grpc_stub, "fashion_gan", "sample", {"count": 1, "seed": 0},
                                signatures=signatures)["images"].shape == (1, 28, 28, 1)
    for bad in (7.5, 2**63, "7"):
        with pytest.raises(ValueError, match="input seed takes int64"):
            serving.grpc_predict(grpc_stub, "fashion_gan", "sample", {"count": 4, "seed": bad})
    # What the guessed dtypes did: the server refuses an int32 seed.
    request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(name="fashion_gan", signature_name="sample"))
    request.inputs["count"].CopyFrom(tf.make_tensor_proto(np.int32(4)))
    request.inputs["seed"].CopyFrom(tf.make_tensor_proto(np.int32(7)))
    with pytest.raises(grpc.RpcError, match="to be int64 but int32 is provided"):
        grpc_stub.Predict(request)


def test_keep_prunes_old_versions(tmp_path):
    model = FashionGAN(TINY)
    for _ in range(3):
        export.export(model, str(tmp_path), "m", keep=2)
    assert export.versions(str(tmp_path / "m")) == [2, 3]


def peak_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def refusal(model, signature, inputs):
    """The InvalidArgumentError the served export answers `inputs` with, and the seconds it took."""
    start = time.perf_counter()
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        model.run(signature, inputs)
    return error.value.message, time.perf_counter() - start


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_exports_warmup_requests_that_run(family, tmp_path):
    model = FAMILIES[family].model_class()()
    path = export.export(model, str(tmp_path), family)
    loaded = tf.saved_model.load(path)
    requests = serving.read_warmup_requests(path)
    assert {r.model_spec.signature_name for r in requests} == set(signatures.endpoints(model))
    assert "serving_default" in loaded.signatures  # TF Serving needs it; the first is aliased
    for request in requests:
        outputs = loaded.signatures[request.model_spec.signature_name](
            **{name: tf.make_ndarray(proto) for name, proto in request.inputs.items()})
        assert all(np.all(np.isfinite(v.numpy().astype("float64"))) for v in outputs.values())


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_input_is_declared_and_checked_before_anything_runs(family, tmp_path):
    """Declared shapes; then, served as TF Serving serves it: a wrong rank, a batch or count
    over --max-count (here 2), a negative count and a NaN are refused with the input named."""
    model = FAMILIES[family].model_class()()
    served = ServedModel(export.export(model, str(tmp_path), family, max_count=2))
    for signature, (_, specs) in signatures.endpoints(model).items():
        declared = served.signature_defs[signature].inputs
        for spec in specs:
            shape = declared[spec.name].tensor_shape
            assert not shape.unknown_rank and [d.size for d in shape.dim] == [s or -1 for s in spec.shape]
        valid = serving.example_inputs(specs)
        served.run(signature, valid)  # warm-up
        for spec in specs:
            name = spec.name
            wrong_rank = {**valid, name: valid[name][None]}
            assert f"input {name} must be {export.describe(spec)}; got shape" in refusal(served, signature, wrong_rank)[0]
            if spec.shape.rank and spec.shape[0] is None:
                batch = {**valid, name: np.repeat(valid[name], 3, 0)}
                assert f"input {name} must hold at most 2 items; got] [3]" in refusal(served, signature, batch)[0]
            if spec.dtype.is_floating:
                for bad in (np.nan, np.inf):
                    value = valid[name].copy()
                    value.flat[0] = bad
                    assert f"input {name} must be finite" in refusal(served, signature, {**valid, name: value})[0]
            if name == "count":
                for count in (3, 0, -1):
                    message, _ = refusal(served, signature, {**valid, name: np.int32(count)})
                    assert f"input count must be between 1 and 2; got] [{count}]" in message


COUNT_SIGNATURES = [("fashion_gan", "sample"), ("vanilla", "sample"), ("dcgan", "sample"),
                    ("cgan", "sample"), ("vae", "serving_default"), ("cvae", "serving_default")]


@pytest.mark.parametrize("family, signature", COUNT_SIGNATURES)
def test_an_over_limit_count_is_refused_at_once_without_allocating(family, signature, tmp_path):
    model = FAMILIES[family].model_class()()
    served = ServedModel(export.export(model, str(tmp_path), family))  # --max-count 4096
    _, specs = signatures.endpoints(model)[signature]
    valid = serving.example_inputs(specs)
    served.run(signature, valid)  # warm-up, as the server does at load
    before = peak_memory_mb()
    for count in (10_000_000, 2**31 - 1, 4097, -5):
        message, seconds = refusal(served, signature, {**valid, "count": np.int32(count)})
        assert f"input count must be between 1 and 4096; got] [{count}]" in message and seconds < 1
    assert peak_memory_mb() - before < 200  # 10,000,000 latents alone would be gigabytes


def test_stackgan_refuses_too_many_embeddings_at_once(tmp_path):
    model = FAMILIES["stackgan"].model_class()()
    served = ServedModel(export.export(model, str(tmp_path), "stackgan"))
    _, specs = signatures.endpoints(model)["serving_default"]
    valid = serving.example_inputs(specs)
    served.run("serving_default", valid)
    embeddings = np.zeros([4097, specs[0].shape[1]], np.float32)
    message, seconds = refusal(served, "serving_default", {**valid, "embeddings": embeddings})
    assert "input embeddings must hold at most 4096 items; got] [4097]" in message and seconds < 1
