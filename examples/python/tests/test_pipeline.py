"""train, watch_job and evaluate against real trainer- and evaluator-services, and the walkthrough."""

import json
import math
import os
import pathlib
import subprocess
import sys
import time

import pytest

from latentserve import LatentserveError
from latentserve.v1 import trainer_pb2

HERE = pathlib.Path(__file__).resolve().parent.parent


def _await_served(client, model, version, seconds=120):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return client.get_model(model, version)
        except LatentserveError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_train_reportsProgress_thenEvaluateReportsProgressAndWritesTheReport(pipeline_client, dataset):
    client = pipeline_client
    events = []
    job = client.train(
        "py-tiny",
        dataset,
        preset=None,
        layers=[(8, [32])],
        objective="iwae",
        k=2,
        epochs=1,
        seed=5,
        validation_k=10,
        progress=events.append,
    )
    assert job.state == trainer_pb2.JOB_STATE_SUCCEEDED, job.reason
    assert job.published.name == "py-tiny" and job.published.version >= 1
    assert events, "watch_job reported no event"
    steps = [e.job.step for e in events]
    assert steps == sorted(steps)
    assert events[-1].job.state == trainer_pb2.JOB_STATE_SUCCEEDED
    assert client.get_job(job.job_id).state == trainer_pb2.JOB_STATE_SUCCEEDED

    _await_served(client, "py-tiny", job.published.version)
    progress = []
    report = client.evaluate(
        "py-tiny",
        version=job.published.version,
        dataset=dataset,
        split="test",
        limit=100,
        k=20,
        metrics=["iwll", "elbo"],
        seed=1,
        progress=progress.append,
    )
    assert report.examples == 100 and report.k == 20
    assert math.isfinite(report.iwll.value) and report.iwll.value < 0
    assert report.iwll.value >= report.elbo.value - 3 * report.iwll.standard_error  # IWAE bound >= ELBO
    weights = [p for p in progress if p.phase == "importance-weights"]
    assert weights and weights[-1].examples_done == weights[-1].examples_total == 100
    assert [p.k for p in report.iwll_curve][-1] == 20
    saved = json.loads(pathlib.Path(report.json_path).read_text())
    assert saved["iwll"]["value"] == pytest.approx(report.iwll.value, rel=1e-12)


def test_evaluate_neitherDatasetNorData_isRefusedBeforeAnyCall(pipeline_client):
    with pytest.raises(ValueError, match="either dataset= or data="):
        pipeline_client.evaluate("py-tiny")


def test_walkthrough_trainsEvaluatesAndPlotsIwllAgainstK(pipeline_client, dataset, work_dir):
    out = work_dir / "walkthrough"
    env = dict(os.environ, MPLBACKEND="Agg")
    run = subprocess.run(
        [
            sys.executable,
            str(HERE / "walkthrough.py"),
            "--inference", os.environ["LATENTSERVE_INFERENCE_TARGET"],
            "--trainer", os.environ["LATENTSERVE_TRAINER_TARGET"],
            "--evaluator", os.environ["LATENTSERVE_EVALUATOR_TARGET"],
            "--model", "py-walkthrough",
            "--dataset", dataset,
            "--layer", "8:32",
            "--epochs", "1",
            "--eval-k", "50",
            "--eval-examples", "100",
            "--out", str(out),
        ],
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "IW-LL (k=50)" in run.stdout
    assert "IW-LL against k: k=1:" in run.stdout
    png = out / "iwll_vs_k.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
