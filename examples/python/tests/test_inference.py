"""The typed helpers against a real inference-service, and parity with the Java client."""

import grpc
import numpy as np
import pytest

from conftest import assert_same_float32, float32_tensor
from latentserve import Client, LatentserveError


def test_sameSeededRequests_giveBitIdenticalFloat32AsJavaClient(client, demo_model, java_results):
    x = float32_tensor(java_results["x"])
    seed, k = int(java_results["seed"]), int(java_results["k"])

    encoded = client.encode(demo_model, x, sample=True, seed=seed)
    assert encoded.version == java_results["version"]
    assert [l.name for l in encoded.layers] == list(java_results["encode"])
    for layer in encoded.layers:
        expected = java_results["encode"][layer.name]
        assert layer.family == "gaussian"
        assert_same_float32(layer.mean, float32_tensor(expected["mean"]), f"{layer.name} mean")
        assert_same_float32(layer.log_variance, float32_tensor(expected["log_variance"]), f"{layer.name} logvar")
        assert_same_float32(layer.sample, float32_tensor(expected["sample"]), f"{layer.name} sample")

    log_prob = client.log_prob(demo_model, x, [l.sample for l in encoded.layers])
    for name in ("log_px_given_z", "log_pz", "log_qz_given_x"):
        assert_same_float32(getattr(log_prob, name), float32_tensor(java_results["log_prob"][name]), name)

    weights = client.importance_weights(demo_model, x, k, seed=seed, chunk_size=int(java_results["chunk_size"]))
    assert_same_float32(weights.log_weights, float32_tensor(java_results["log_weights"]), "log_weights")


def test_importanceWeights_anyChunking_sameArrayAndComponentsAddUp(client, demo_model, java_results):
    x = float32_tensor(java_results["x"])
    whole = client.importance_weights(demo_model, x, 25, seed=3)
    chunked = client.importance_weights(demo_model, x, 25, seed=3, chunk_size=7, include_components=True)

    assert whole.log_weights.shape == (x.shape[0], 25)
    assert_same_float32(chunked.log_weights, whole.log_weights, "log_weights chunked by 7")
    # log w = log p(x|z) + log p(z) - log q(z|x), in float32 arithmetic on the server
    recomposed = chunked.log_px_given_z + chunked.log_pz - chunked.log_qz_given_x
    np.testing.assert_allclose(recomposed, chunked.log_weights, rtol=1e-5, atol=1e-3)
    ll = whole.log_likelihood()
    assert ll.shape == (x.shape[0],)
    assert (ll <= whole.log_weights.max(axis=1) + 1e-9).all()


def test_sampleThenDecode_sameShapesAndSeedRepeats(client, demo_model):
    info = client.get_model(demo_model)
    top = info.latent_layers[-1].dim
    drawn = client.sample(demo_model, 4, seed=9)
    again = client.sample(demo_model, 4, seed=9)
    other = client.sample(demo_model, 4, seed=10)

    assert drawn.z.shape == (4, top)
    assert drawn.x_mean.shape == (4, 784)
    assert_same_float32(again.z, drawn.z, "z with the same seed")
    assert not np.array_equal(other.z, drawn.z)
    decoded = client.decode(demo_model, drawn.z, sample=True, seed=1)
    assert decoded.x_mean.shape == drawn.x_mean.shape
    assert decoded.x_sample is not None and set(np.unique(decoded.x_sample)) <= {0.0, 1.0}


def test_uint8Pixels_sameAsTheirFloatValues(client, demo_model):
    pixels = np.random.default_rng(4).integers(0, 256, size=(2, 784), dtype=np.uint8)
    as_bytes = client.encode(demo_model, pixels, x_encoding="pixels")
    as_floats = client.encode(demo_model, pixels.astype(np.float32) / np.float32(255))
    np.testing.assert_allclose(as_bytes.layers[0].mean, as_floats.layers[0].mean, rtol=1e-5, atol=1e-6)


def test_uint8Binary_sameAsTheirFloatValues(client, demo_model):
    bits = np.random.default_rng(5).integers(0, 2, size=(2, 784), dtype=np.uint8)
    as_bytes = client.encode(demo_model, bits, x_encoding="binary")
    as_floats = client.encode(demo_model, bits.astype(np.float32))
    np.testing.assert_allclose(as_bytes.layers[0].mean, as_floats.layers[0].mean, rtol=1e-5, atol=1e-6)


def test_unknownModel_raisesNotFoundNamingIt(client):
    with pytest.raises(LatentserveError) as e:
        client.encode("no-such-model", np.zeros((1, 784), np.float32))
    assert e.value.code == grpc.StatusCode.NOT_FOUND
    assert "no-such-model" in e.value.details


def test_wrongFeatureCount_raisesInvalidArgumentNamingFieldExpectedAndActual(client, demo_model):
    with pytest.raises(LatentserveError) as e:
        client.log_prob(demo_model, np.zeros((2, 783), np.float32), [np.zeros((2, 100), np.float32)])
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "783" in e.value.details and "784" in e.value.details


def test_everyCallHasADeadline_tinyTimeoutExpires(client, demo_model, java_results):
    x = float32_tensor(java_results["x"])
    with pytest.raises(LatentserveError) as e:
        client.importance_weights(demo_model, x, 5000, timeout=0.001)
    assert e.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_token_isSentAsBearerMetadata_andAPlaintextServerWithoutAuthAcceptsIt(inference_target, demo_model):
    with Client(inference_target, token="secret-token", timeout=30) as c:
        assert c._metadata == (("authorization", "Bearer secret-token"),)
        assert c.get_model(demo_model).name == demo_model


def test_tls_toAPlaintextServer_failsToConnect(inference_target, demo_model):
    # the client really speaks TLS when asked: a plaintext server cannot complete the handshake
    with Client(inference_target, tls=True, timeout=10) as c:
        with pytest.raises(LatentserveError) as e:
            c.get_model(demo_model)
    assert e.value.code == grpc.StatusCode.UNAVAILABLE


def test_clientCertificateWithoutKey_isRefusedAtOnce(inference_target, tmp_path):
    cert = tmp_path / "client.pem"
    cert.write_text("not used")
    with pytest.raises(ValueError, match="cert_file and key_file go together"):
        Client(inference_target, cert_file=str(cert))
