"""TF Serving, short of the binary: CLI inspection, warm-up, models.config, REST and gRPC."""

import json
import os
import subprocess
import sys
from concurrent import futures

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from gan_tf import export, serving
from gan_tf.config import FashionGANConfig
from gan_tf.models.fashion_gan import FashionGAN
from gan_tf.registry import FAMILIES

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


def test_rest_requests_in_both_formats(exported):
    model, path, _ = exported
    loaded = tf.saved_model.load(path)
    latent = np.random.default_rng(0).normal(size=(2, 16)).astype("float32")
    rows = serving.predict_rest(loaded, {"instances": latent.tolist()})
    columns = serving.predict_rest(loaded, {"signature_name": "serving_default", "inputs": {"latent": latent.tolist()}})
    expected = model.generate_images(latent).numpy()
    np.testing.assert_array_equal(np.array(rows["predictions"]), expected)
    np.testing.assert_array_equal(np.array(columns["outputs"]["images"]), expected)
    sampled = serving.predict_rest(loaded, json.loads('{"signature_name": "sample", "inputs": {"count": 2, "seed": 7}}'))
    assert np.array(sampled["outputs"]["images"]).shape == (2, 28, 28, 1)
    with pytest.raises(ValueError, match="missing"):
        serving.predict_rest(loaded, {"signature_name": "sample", "inputs": {"count": 2}})


class PredictionServiceDouble(prediction_service_pb2_grpc.PredictionServiceServicer):
    """A stand-in for TF Serving's Predict over tf.saved_model.load (test fixture only)."""

    def __init__(self, name, path):
        self.name = name
        self.loaded = tf.saved_model.load(path)

    def Predict(self, request, context):
        if request.model_spec.name != self.name:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no model {request.model_spec.name}")
        signature = self.loaded.signatures[request.model_spec.signature_name or "serving_default"]
        outputs = signature(**{k: tf.make_ndarray(v) for k, v in request.inputs.items()})
        response = predict_pb2.PredictResponse()
        for key, value in outputs.items():
            response.outputs[key].CopyFrom(tf.make_tensor_proto(value.numpy()))
        return response


def test_grpc_client_against_a_prediction_service_double(exported):
    model, path, _ = exported
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionServiceDouble("fashion_gan", path), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            result = serving.grpc_predict(stub, "fashion_gan", "sample",
                                          {"count": np.int32(4), "seed": np.int64(3)})
            assert result["images"].shape == (4, 28, 28, 1) and result["images"].dtype == np.uint8
            np.testing.assert_array_equal(result["images"], model.generate_images(result["latent"]).numpy())
    finally:
        server.stop(None)


def test_keep_prunes_old_versions(tmp_path):
    model = FashionGAN(TINY)
    for _ in range(3):
        export.export(model, str(tmp_path), "m", keep=2)
    assert export.versions(str(tmp_path / "m")) == [2, 3]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_exports_warmup_requests_that_run(family, tmp_path):
    model = FAMILIES[family].model_class()()
    path = export.export(model, str(tmp_path), family)
    loaded = tf.saved_model.load(path)
    requests = serving.read_warmup_requests(path)
    assert {r.model_spec.signature_name for r in requests} == set(model.serving_endpoints())
    assert "serving_default" in loaded.signatures  # TF Serving needs it; the first is aliased
    for request in requests:
        outputs = loaded.signatures[request.model_spec.signature_name](
            **{name: tf.make_ndarray(proto) for name, proto in request.inputs.items()})
        assert all(np.all(np.isfinite(v.numpy().astype("float64"))) for v in outputs.values())
