"""Fixtures: the targets of running services, from environment variables.

PythonClientIT (integration-tests) starts inference-, trainer- and evaluator-service on free
loopback ports, writes the Java client's results for seeded requests to a JSON file, and runs
this suite with

    LATENTSERVE_INFERENCE_TARGET, LATENTSERVE_TRAINER_TARGET, LATENTSERVE_EVALUATOR_TARGET
    LATENTSERVE_DEMO_MODEL     a served model (a bundle with two Gaussian layers)
    LATENTSERVE_DATASET        a dataset the trainer and evaluator have (mnist-10k)
    LATENTSERVE_JAVA_RESULTS   the Java client's results (see java_results)
    LATENTSERVE_WORK_DIR       a folder for files the tests write

A test whose variable is missing is skipped, or fails where CI=true.
"""

import base64
import json
import os
import pathlib

import numpy as np
import pytest

from latentserve import Client


def require_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        reason = f"{name} is not set (integration-tests' PythonClientIT sets it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true, so this test may not be skipped")
        pytest.skip(reason)
    return value


@pytest.fixture(scope="session")
def inference_target() -> str:
    return require_env("LATENTSERVE_INFERENCE_TARGET")


@pytest.fixture(scope="session")
def demo_model() -> str:
    return require_env("LATENTSERVE_DEMO_MODEL")


@pytest.fixture(scope="session")
def dataset() -> str:
    return require_env("LATENTSERVE_DATASET")


@pytest.fixture(scope="session")
def work_dir() -> pathlib.Path:
    return pathlib.Path(require_env("LATENTSERVE_WORK_DIR"))


@pytest.fixture(scope="session")
def client(inference_target):
    with Client(
        inference_target,
        trainer=os.environ.get("LATENTSERVE_TRAINER_TARGET") or None,
        evaluator=os.environ.get("LATENTSERVE_EVALUATOR_TARGET") or None,
        timeout=30,
        stream_timeout=300,
    ) as c:
        yield c


@pytest.fixture(scope="session")
def pipeline_client(client):
    require_env("LATENTSERVE_TRAINER_TARGET")
    require_env("LATENTSERVE_EVALUATOR_TARGET")
    return client


def float32_tensor(entry) -> np.ndarray:
    """A tensor the Java test wrote: its shape and its float32 little-endian bytes in base64."""
    data = np.frombuffer(base64.b64decode(entry["float32_le"]), dtype="<f4")
    return data.reshape([int(d) for d in entry["shape"]]).astype(np.float32)


@pytest.fixture(scope="session")
def java_results() -> dict:
    """What the Java client received for the same seeded requests: x, Encode (sample=True) per
    layer, LogProb of those samples, and ImportanceWeights [N, k]."""
    with open(require_env("LATENTSERVE_JAVA_RESULTS")) as f:
        return json.load(f)


def assert_same_float32(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Bit for bit: equal shapes and equal float32 bit patterns (NaN and -0.0 included)."""
    actual = np.asarray(actual)
    assert actual.dtype == np.float32, f"{what}: dtype {actual.dtype}, expected float32"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    same = actual.view(np.uint32) == expected.astype(np.float32).view(np.uint32)
    assert same.all(), f"{what}: {np.count_nonzero(~same)} of {same.size} values differ"
