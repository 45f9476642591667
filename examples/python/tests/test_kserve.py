"""KServe's Open Inference Protocol v2 (inference.GRPCInferenceService) from Python.

The issue asks for Triton's tritonclient[grpc]; it is not available from this project's package
sources (`pip download tritonclient[grpc]` finds no distribution), so these tests use stubs that
grpcio-tools generates from the same grpc_predict_v2.proto (latentserve.kserve): the wire protocol
tritonclient speaks, message for message. ModelInfer must return exactly what latentserve.v1
returns (here: what the Java client received) for the same input and seed.
"""

import grpc
import numpy as np
import pytest

from conftest import assert_same_float32, float32_tensor
from latentserve.kserve import grpc_predict_v2_pb2 as pb
from latentserve.kserve import grpc_predict_v2_pb2_grpc as pb_grpc

TIMEOUT = 30


@pytest.fixture(scope="module")
def kserve(inference_target):
    channel = grpc.insecure_channel(inference_target, options=[("grpc.max_receive_message_length", 64 << 20)])
    yield pb_grpc.GRPCInferenceServiceStub(channel)
    channel.close()


def raw_input(request, name, array, datatype="FP32"):
    array = np.ascontiguousarray(array, dtype={"FP32": "<f4", "FP64": "<f8", "UINT8": "u1"}[datatype])
    request.inputs.add(name=name, datatype=datatype, shape=list(array.shape))
    request.raw_input_contents.append(array.tobytes())


def outputs(response):
    """Every output as a NumPy array, from raw_output_contents."""
    result = {}
    for i, o in enumerate(response.outputs):
        assert o.datatype == "FP32"
        result[o.name] = np.frombuffer(response.raw_output_contents[i], dtype="<f4").reshape(list(o.shape))
    return result


def test_serverLiveReadyAndMetadata(kserve, demo_model):
    assert kserve.ServerLive(pb.ServerLiveRequest(), timeout=TIMEOUT).live
    assert kserve.ServerReady(pb.ServerReadyRequest(), timeout=TIMEOUT).ready
    assert kserve.ServerMetadata(pb.ServerMetadataRequest(), timeout=TIMEOUT).name == "latentserve"
    assert kserve.ModelReady(pb.ModelReadyRequest(name=f"{demo_model}.encode"), timeout=TIMEOUT).ready
    assert not kserve.ModelReady(pb.ModelReadyRequest(name="no-such-model.encode"), timeout=TIMEOUT).ready


def test_modelMetadata_describesTheGraphsOfTheServedModel(kserve, client, demo_model):
    info = client.get_model(demo_model)
    layers = [(l.name, l.dim) for l in info.latent_layers]
    encode = kserve.ModelMetadata(pb.ModelMetadataRequest(name=f"{demo_model}.encode"), timeout=TIMEOUT)
    assert str(info.version) in encode.versions
    assert [(i.name, i.datatype, list(i.shape)) for i in encode.inputs] == [("x", "FP32", [-1, 784])]
    expected = []
    for name, dim in layers:
        expected += [(f"{name}_mean", [-1, dim]), (f"{name}_logvar", [-1, dim]), (f"{name}_sample", [-1, dim])]
    assert [(o.name, list(o.shape)) for o in encode.outputs] == expected

    log_prob = kserve.ModelMetadata(pb.ModelMetadataRequest(name=f"{demo_model}.log_prob"), timeout=TIMEOUT)
    assert [i.name for i in log_prob.inputs] == ["x"] + [name for name, _ in layers]
    weights = kserve.ModelMetadata(pb.ModelMetadataRequest(name=f"{demo_model}.importance_weights"), timeout=TIMEOUT)
    assert [(o.name, list(o.shape)) for o in weights.outputs] == [("log_weights", [-1, -1])]


def test_modelInfer_encodeLogProbImportanceWeights_equalLatentserveV1BitForBit(kserve, demo_model, java_results):
    x = float32_tensor(java_results["x"])
    seed, k = int(java_results["seed"]), int(java_results["k"])

    encode = pb.ModelInferRequest(model_name=f"{demo_model}.encode", id="py-1")
    raw_input(encode, "x", x)
    encode.parameters["seed"].int64_param = seed
    encode.parameters["sample"].bool_param = True
    response = kserve.ModelInfer(encode, timeout=TIMEOUT)
    assert response.id == "py-1"
    assert response.model_version == str(java_results["version"])
    got = outputs(response)
    for name, expected in java_results["encode"].items():
        assert_same_float32(got[f"{name}_mean"], float32_tensor(expected["mean"]), f"{name}_mean")
        assert_same_float32(got[f"{name}_logvar"], float32_tensor(expected["log_variance"]), f"{name}_logvar")
        assert_same_float32(got[f"{name}_sample"], float32_tensor(expected["sample"]), f"{name}_sample")

    log_prob = pb.ModelInferRequest(model_name=f"{demo_model}.log_prob")
    raw_input(log_prob, "x", x)
    for name, expected in java_results["encode"].items():
        raw_input(log_prob, name, float32_tensor(expected["sample"]))
    got = outputs(kserve.ModelInfer(log_prob, timeout=TIMEOUT))
    for name in ("log_px_given_z", "log_pz", "log_qz_given_x"):
        assert_same_float32(got[name], float32_tensor(java_results["log_prob"][name]), name)

    weights = pb.ModelInferRequest(model_name=f"{demo_model}.importance_weights", model_version=str(java_results["version"]))
    raw_input(weights, "x", x)
    weights.parameters["k"].int64_param = k
    weights.parameters["seed"].int64_param = seed
    got = outputs(kserve.ModelInfer(weights, timeout=TIMEOUT))
    assert_same_float32(got["log_weights"], float32_tensor(java_results["log_weights"]), "log_weights")


def test_modelInfer_typedContents_sameAsRaw(kserve, demo_model, java_results):
    x = float32_tensor(java_results["x"])
    raw = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    raw_input(raw, "x", x)
    typed = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    tensor = typed.inputs.add(name="x", datatype="FP32", shape=list(x.shape))
    tensor.contents.fp32_contents.extend(x.ravel().tolist())
    fp64 = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    raw_input(fp64, "x", x.astype(np.float64), "FP64")

    expected = outputs(kserve.ModelInfer(raw, timeout=TIMEOUT))
    for request, what in ((typed, "fp32_contents"), (fp64, "raw FP64")):
        got = outputs(kserve.ModelInfer(request, timeout=TIMEOUT))
        assert sorted(got) == sorted(expected)
        for name in expected:
            assert_same_float32(got[name], expected[name], f"{name} from {what}")


def test_modelInfer_uint8_statesItsEncoding(kserve, demo_model):
    bits = np.random.default_rng(6).integers(0, 2, size=(2, 784), dtype=np.uint8)
    as_floats = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    raw_input(as_floats, "x", bits.astype(np.float32))
    as_bytes = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    raw_input(as_bytes, "x", bits, "UINT8")
    as_bytes.inputs[0].parameters["encoding"].string_param = "binary"
    expected = outputs(kserve.ModelInfer(as_floats, timeout=TIMEOUT))
    got = outputs(kserve.ModelInfer(as_bytes, timeout=TIMEOUT))
    for name in expected:
        assert_same_float32(got[name], expected[name], f"{name} from UINT8 binary")

    unstated = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    raw_input(unstated, "x", bits, "UINT8")
    with pytest.raises(grpc.RpcError) as e:
        kserve.ModelInfer(unstated, timeout=TIMEOUT)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert 'input x (UINT8) needs the parameter encoding = "pixels" (0..255) or "binary"' in e.value.details()


def _infer_error(kserve, request):
    with pytest.raises(grpc.RpcError) as e:
        kserve.ModelInfer(request, timeout=TIMEOUT)
    return e.value.code(), e.value.details()


def test_modelInfer_badInputs_preciseStatuses(kserve, demo_model):
    wrong_features = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    raw_input(wrong_features, "x", np.zeros((2, 783), np.float32))
    code, details = _infer_error(kserve, wrong_features)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "x has 783 features" in details and "784" in details

    unknown = pb.ModelInferRequest(model_name="no-such-model.encode")
    raw_input(unknown, "x", np.zeros((1, 784), np.float32))
    code, details = _infer_error(kserve, unknown)
    assert code == grpc.StatusCode.NOT_FOUND and "no-such-model" in details

    no_graph = pb.ModelInferRequest(model_name=demo_model)
    code, details = _infer_error(kserve, no_graph)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert f"model_name is '{demo_model}', expected <model>.<graph>" in details

    no_k = pb.ModelInferRequest(model_name=f"{demo_model}.importance_weights")
    raw_input(no_k, "x", np.zeros((1, 784), np.float32))
    code, details = _infer_error(kserve, no_k)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "parameter k is missing" in details

    int32 = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    int32.inputs.add(name="x", datatype="INT32", shape=[1, 784]).contents.int_contents.extend([0] * 784)
    code, details = _infer_error(kserve, int32)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "input x has datatype 'INT32', expected FP32, FP64 or UINT8" in details

    short = pb.ModelInferRequest(model_name=f"{demo_model}.encode")
    short.inputs.add(name="x", datatype="FP32", shape=[2, 784]).contents.fp32_contents.extend([0.0] * 10)
    code, details = _infer_error(kserve, short)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "input x has 10 values in contents.fp32_contents, shape [2, 784] needs 1568" in details


def test_tritonOnlyExtension_answersUnimplemented(inference_target):
    # Triton's grpc_service.proto adds methods to the same service; latentserve serves KServe's six
    with grpc.insecure_channel(inference_target) as channel:
        statistics = channel.unary_unary("/inference.GRPCInferenceService/ModelStatistics")
        with pytest.raises(grpc.RpcError) as e:
            statistics(b"", timeout=TIMEOUT)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
