"""A stand-in for TF Serving over an export, for tests: the server's C++ path, not Python's.

TF Serving loads the SavedModel's MetaGraphDef into a Session and feeds each request's
tensors to the signature's placeholders as they are: no Python checks of shapes or dtypes
(a wrong dtype is refused by the runtime, "Expects arg[1] to be int64 but int32 is provided").
`ServedModel.run` does the same through the Session's C API, so tests see what the server
would; `PredictionServiceDouble` serves it over gRPC with the model-metadata RPC.
"""

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import get_model_metadata_pb2, predict_pb2, prediction_service_pb2_grpc


class ServedModel:
    """An export loaded the way tensorflow_model_server loads it (tag `serve`, one Session)."""

    def __init__(self, path):
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.session = tf.compat.v1.Session(graph=self.graph)
            self.signature_defs = tf.compat.v1.saved_model.load(self.session, ["serve"], path).signature_def

    def run(self, signature_name, inputs):
        """{output: numpy array} for {input: numpy array}, fed with no Python-side checks."""
        signature = self.signature_defs[signature_name]
        tensor = lambda info: self.graph.get_tensor_by_name(info.name)._as_tf_output()
        feeds = {tensor(signature.inputs[name]): np.asarray(value) for name, value in inputs.items()}
        names = sorted(signature.outputs)
        self.session._extend_graph()
        values = self.session._call_tf_sessionrun(None, feeds, [tensor(signature.outputs[n]) for n in names], [], None)
        return dict(zip(names, values))


class PredictionServiceDouble(prediction_service_pb2_grpc.PredictionServiceServicer):
    """`Predict` and `GetModelMetadata` of one model, answered as TF Serving answers them."""

    def __init__(self, name, path):
        self.name = name
        self.model = ServedModel(path)

    def check_name(self, spec, context):
        if spec.name != self.name:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Servable not found for request: Latest({spec.name})")

    def Predict(self, request, context):
        self.check_name(request.model_spec, context)
        inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
        try:
            outputs = self.model.run(request.model_spec.signature_name or "serving_default", inputs)
        except tf.errors.InvalidArgumentError as error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, error.message)
        response = predict_pb2.PredictResponse()
        for name, value in outputs.items():
            response.outputs[name].CopyFrom(tf.make_tensor_proto(value))
        return response

    def GetModelMetadata(self, request, context):
        self.check_name(request.model_spec, context)
        found = get_model_metadata_pb2.SignatureDefMap()
        for name, signature in self.model.signature_defs.items():
            found.signature_def[name].CopyFrom(signature)
        response = get_model_metadata_pb2.GetModelMetadataResponse(model_spec=request.model_spec)
        response.metadata["signature_def"].Pack(found)
        return response
