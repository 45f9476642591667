"""Client: typed helpers over the generated latentserve.v1 stubs, NumPy in and out."""

from typing import Callable, Iterable, List, Optional, Sequence, Union

import grpc
import numpy as np

from latentserve.errors import LatentserveError
from latentserve.results import (
    Decoded,
    Encoded,
    ImportanceWeights,
    Layer,
    LayerLogProb,
    LogProb,
    Sampled,
)
from latentserve.tensors import from_tensor, to_tensor
from latentserve.v1 import (
    evaluator_pb2,
    evaluator_pb2_grpc,
    inference_pb2,
    inference_pb2_grpc,
    model_pb2,
    tensor_pb2,
    trainer_pb2,
    trainer_pb2_grpc,
)

Progress = Union[None, bool, Callable]

_METRICS = {
    "iwll": evaluator_pb2.METRIC_IWLL,
    "elbo": evaluator_pb2.METRIC_ELBO,
    "rates": evaluator_pb2.METRIC_RATES,
    "active_units": evaluator_pb2.METRIC_ACTIVE_UNITS,
    "mutual_information": evaluator_pb2.METRIC_MUTUAL_INFORMATION,
    "mmd": evaluator_pb2.METRIC_MMD,
}
_LIKELIHOODS = {
    "bernoulli": model_pb2.LIKELIHOOD_BERNOULLI,
    "gaussian-fixed": model_pb2.LIKELIHOOD_GAUSSIAN_FIXED,
    "gaussian-learned": model_pb2.LIKELIHOOD_GAUSSIAN_LEARNED,
}
_FAMILIES = {"gaussian": model_pb2.LATENT_FAMILY_GAUSSIAN, "bernoulli": model_pb2.LATENT_FAMILY_BERNOULLI}
_PRESETS = {
    "iwae1": trainer_pb2.Architecture.PRESET_IWAE_1_LAYER,
    "iwae2": trainer_pb2.Architecture.PRESET_IWAE_2_LAYER,
}
_ACTIVATIONS = {"tanh": trainer_pb2.ACTIVATION_TANH, "relu": trainer_pb2.ACTIVATION_RELU}
_RWS_PHI = {"wake": trainer_pb2.RWS_PHI_WAKE, "sleep": trainer_pb2.RWS_PHI_SLEEP, "both": trainer_pb2.RWS_PHI_BOTH}
_TERMINAL = {trainer_pb2.JOB_STATE_SUCCEEDED, trainer_pb2.JOB_STATE_FAILED, trainer_pb2.JOB_STATE_CANCELLED}


class Client:
    """A connection to latentserve's services.

    ``inference``, ``trainer`` and ``evaluator`` are ``HOST:PORT`` targets (any gRPC target);
    only the ones given can be called. Every call has a deadline: ``timeout`` seconds for unary
    calls and ImportanceWeights, ``stream_timeout`` for evaluations and job watches (each method
    also takes ``timeout=`` for one call).

    Security, for servers that ask for it: ``token`` is sent as ``authorization: Bearer <token>``
    metadata on every call; ``tls=True`` (implied by ``ca_file`` or ``cert_file``) connects with
    TLS, trusting ``ca_file`` (PEM; the system's roots when absent), presenting ``cert_file`` and
    ``key_file`` (PEM) as a client certificate for mutual TLS; ``server_name`` overrides the name
    checked in the server's certificate.
    """

    def __init__(
        self,
        inference: Optional[str] = "localhost:50051",
        *,
        trainer: Optional[str] = None,
        evaluator: Optional[str] = None,
        timeout: float = 60.0,
        stream_timeout: float = 3600.0,
        token: Optional[str] = None,
        tls: bool = False,
        ca_file: Optional[str] = None,
        cert_file: Optional[str] = None,
        key_file: Optional[str] = None,
        server_name: Optional[str] = None,
        max_message_bytes: int = 64 * 1024 * 1024,
    ):
        if (cert_file is None) != (key_file is None):
            raise ValueError("cert_file and key_file go together (a client certificate and its key)")
        self.timeout = timeout
        self.stream_timeout = stream_timeout
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._credentials = None
        if tls or ca_file or cert_file:
            self._credentials = grpc.ssl_channel_credentials(
                root_certificates=_read(ca_file), private_key=_read(key_file), certificate_chain=_read(cert_file)
            )
        self._options = [
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
        ]
        if server_name:
            self._options.append(("grpc.ssl_target_name_override", server_name))
        self._channels = []
        self._targets = {"inference": inference, "trainer": trainer, "evaluator": evaluator}
        self._stubs = {}

    # ---- connection -------------------------------------------------------------------------

    def channel(self, service: str = "inference") -> grpc.Channel:
        """The channel to ``service`` (inference, trainer or evaluator), e.g. for other stubs."""
        target = self._targets.get(service)
        if not target:
            raise ValueError(f"no {service} target: pass {service}='HOST:PORT' to Client()")
        for name, channel in self._channels:
            if name == service:
                return channel
        if self._credentials is not None:
            channel = grpc.secure_channel(target, self._credentials, options=self._options)
        else:
            channel = grpc.insecure_channel(target, options=self._options)
        self._channels.append((service, channel))
        return channel

    def _stub(self, service: str):
        if service not in self._stubs:
            factory = {
                "inference": inference_pb2_grpc.InferenceStub,
                "trainer": trainer_pb2_grpc.TrainerStub,
                "evaluator": evaluator_pb2_grpc.EvaluatorStub,
            }[service]
            self._stubs[service] = factory(self.channel(service))
        return self._stubs[service]

    def close(self) -> None:
        for _, channel in self._channels:
            channel.close()
        self._channels.clear()
        self._stubs.clear()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, service: str, method: str, request, timeout: Optional[float]):
        try:
            return getattr(self._stub(service), method)(
                request, timeout=self.timeout if timeout is None else timeout, metadata=self._metadata
            )
        except grpc.RpcError as e:
            raise LatentserveError.of(method, e) from None

    def _stream(self, service: str, method: str, request, timeout: Optional[float]) -> Iterable:
        call = getattr(self._stub(service), method)(
            request, timeout=self.stream_timeout if timeout is None else timeout, metadata=self._metadata
        )
        try:
            yield from call
        except grpc.RpcError as e:
            raise LatentserveError.of(method, e) from None
        finally:
            call.cancel()  # a consumer that stops early must not leave work running on the server

    # ---- inference --------------------------------------------------------------------------

    def list_models(self, timeout: Optional[float] = None) -> List[model_pb2.ModelInfo]:
        """Every loaded model version (ModelInfo messages)."""
        return list(self._call("inference", "ListModels", inference_pb2.ListModelsRequest(), timeout).models)

    def get_model(self, model: str, version: int = 0, timeout: Optional[float] = None) -> model_pb2.ModelInfo:
        """One model version (0: the latest): shapes, likelihood, latent layers, provenance."""
        request = inference_pb2.GetModelRequest(model=_ref(model, version))
        return self._call("inference", "GetModel", request, timeout).model

    def encode(
        self,
        model: str,
        x,
        *,
        sample: bool = False,
        seed: int = 0,
        first_row: int = 0,
        condition=None,
        x_encoding: Optional[str] = None,
        version: int = 0,
        timeout: Optional[float] = None,
    ) -> Encoded:
        """q(z|x) of every latent layer for x [N, D] (float32, float64, or uint8 with ``x_encoding``
        "pixels" or "binary")."""
        request = inference_pb2.EncodeRequest(
            model=_ref(model, version), x=to_tensor(x, encoding=x_encoding), sample=sample, seed=seed, first_row=first_row
        )
        _set_condition(request, condition)
        r = self._call("inference", "Encode", request, timeout)
        return Encoded(r.model.version, [_layer(l) for l in r.layers])

    def decode(
        self,
        model: str,
        z,
        *,
        sample: bool = False,
        seed: int = 0,
        first_row: int = 0,
        condition=None,
        version: int = 0,
        timeout: Optional[float] = None,
    ) -> Decoded:
        """p(x|z) from top-layer latents z [N, top_dim]."""
        request = inference_pb2.DecodeRequest(
            model=_ref(model, version), z=to_tensor(z), sample=sample, seed=seed, first_row=first_row
        )
        _set_condition(request, condition)
        r = self._call("inference", "Decode", request, timeout)
        return Decoded(
            r.model.version,
            from_tensor(r.x_mean),
            _optional(r, "x_sample"),
            _optional(r, "x_log_variance"),
            [_layer(l) for l in r.intermediate_layers],
        )

    def sample(
        self,
        model: str,
        n: int,
        *,
        seed: int = 0,
        sample_x: bool = False,
        condition=None,
        version: int = 0,
        timeout: Optional[float] = None,
    ) -> Sampled:
        """n draws z ~ p(z) of the top layer's prior, decoded to p(x|z)."""
        request = inference_pb2.SampleRequest(model=_ref(model, version), n=n, seed=seed, sample_x=sample_x)
        _set_condition(request, condition)
        r = self._call("inference", "Sample", request, timeout)
        return Sampled(
            r.model.version,
            from_tensor(r.x_mean),
            _optional(r, "x_sample"),
            _optional(r, "x_log_variance"),
            [_layer(l) for l in r.intermediate_layers],
            prior=_layer(r.prior),
        )

    def log_prob(
        self,
        model: str,
        x,
        z: Sequence,
        *,
        condition=None,
        x_encoding: Optional[str] = None,
        version: int = 0,
        timeout: Optional[float] = None,
    ) -> LogProb:
        """log p(x|z), log p(z), log q(z|x) of given pairs: x [N, D], z one [N, dim] per layer."""
        if isinstance(z, np.ndarray):
            z = [z]
        request = inference_pb2.LogProbRequest(
            model=_ref(model, version), x=to_tensor(x, encoding=x_encoding), z=[to_tensor(t) for t in z]
        )
        _set_condition(request, condition)
        r = self._call("inference", "LogProb", request, timeout)
        return LogProb(
            r.model.version,
            from_tensor(r.log_px_given_z),
            from_tensor(r.log_pz),
            from_tensor(r.log_qz_given_x),
            {l.layer: LayerLogProb(from_tensor(l.log_prior), from_tensor(l.log_posterior)) for l in r.layers},
        )

    def importance_weights(
        self,
        model: str,
        x,
        k: int,
        *,
        seed: int = 0,
        first_row: int = 0,
        chunk_size: int = 0,
        include_components: bool = False,
        condition=None,
        x_encoding: Optional[str] = None,
        version: int = 0,
        timeout: Optional[float] = None,
    ) -> ImportanceWeights:
        """log w [N, k] of k importance samples per row, drawn on the server: the streamed chunks
        put together into one array (and the components per sample when asked for)."""
        request = inference_pb2.ImportanceWeightsRequest(
            model=_ref(model, version),
            x=to_tensor(x, encoding=x_encoding),
            k=k,
            seed=seed,
            first_row=first_row,
            chunk_size=chunk_size,
            include_components=include_components,
        )
        _set_condition(request, condition)
        names = ["log_weights"] + (["log_px_given_z", "log_pz", "log_qz_given_x"] if include_components else [])
        arrays = {}
        version_served = 0
        filled = 0
        stream = self._stream("inference", "ImportanceWeights", request, self.timeout if timeout is None else timeout)
        for chunk in stream:
            version_served = chunk.model.version
            for name in names:
                part = from_tensor(getattr(chunk, name))
                if name not in arrays:
                    arrays[name] = np.empty((part.shape[0], k), dtype=np.float32)
                arrays[name][:, chunk.sample_offset : chunk.sample_offset + part.shape[1]] = part
            filled += from_tensor(chunk.log_weights).shape[1]
        if filled != k:
            raise LatentserveError("ImportanceWeights", grpc.StatusCode.DATA_LOSS, f"got {filled} of {k} samples")
        return ImportanceWeights(version_served, **arrays)

    # ---- evaluator --------------------------------------------------------------------------

    def evaluate(
        self,
        model: str,
        *,
        dataset: Optional[str] = None,
        split: str = "test",
        limit: int = 0,
        binarization_seed: int = 0,
        data=None,
        condition=None,
        data_encoding: Optional[str] = None,
        k: int = 5000,
        metrics: Optional[Sequence[str]] = None,
        seed: int = 0,
        mi_batch_size: int = 0,
        label: str = "",
        version: int = 0,
        progress: Progress = None,
        timeout: Optional[float] = None,
    ) -> evaluator_pb2.EvaluationReport:
        """Evaluates a served model on a dataset split (``dataset``, ``split``, ``limit``) or on
        inline ``data`` [N, D]; returns the report (``report.iwll.value``, ``report.json_path``).

        ``metrics`` names some of iwll, elbo, rates, active_units, mutual_information, mmd (all
        when None). ``progress`` is a callable taking each EvaluationProgress, or True for a tqdm
        bar.
        """
        request = evaluator_pb2.EvaluateRequest(
            model=_ref(model, version), k=k, seed=seed, mi_batch_size=mi_batch_size, label=label
        )
        if (dataset is None) == (data is None):
            raise ValueError("give either dataset= or data=")
        if dataset is not None:
            request.dataset.CopyFrom(
                evaluator_pb2.DatasetSplit(name=dataset, split=split, limit=limit, binarization_seed=binarization_seed)
            )
        else:
            request.inline_data.CopyFrom(to_tensor(data, encoding=data_encoding))
            if condition is not None:
                request.inline_condition.CopyFrom(to_tensor(condition))
        for m in metrics or []:
            if m not in _METRICS:
                raise ValueError(f"unknown metric {m!r}, expected one of {sorted(_METRICS)}")
            request.metrics.append(_METRICS[m])
        with _Progress(progress, "evaluating") as report_progress:
            for event in self._stream("evaluator", "Evaluate", request, timeout):
                if event.HasField("progress"):
                    report_progress(event.progress, event.progress.examples_done, event.progress.examples_total,
                                    event.progress.phase)
                elif event.HasField("report"):
                    return event.report
        raise LatentserveError("Evaluate", grpc.StatusCode.DATA_LOSS, "the stream ended without a report")

    def get_evaluation(self, evaluation_id: str, timeout: Optional[float] = None) -> evaluator_pb2.EvaluationReport:
        request = evaluator_pb2.GetEvaluationRequest(evaluation_id=evaluation_id)
        return self._call("evaluator", "GetEvaluation", request, timeout).report

    # ---- trainer ----------------------------------------------------------------------------

    def train(
        self,
        model: str,
        dataset: str,
        *,
        preset: Optional[str] = "iwae1",
        layers: Optional[Sequence] = None,
        activation: str = "tanh",
        likelihood: str = "bernoulli",
        likelihood_sigma: float = 0.0,
        conditional: bool = False,
        objective: str = "iwae",
        k: int = 5,
        beta: Optional[float] = None,
        alpha: float = 0.0,
        lambda_: float = 1000.0,
        rws_phi: str = "wake",
        epochs: int = 10,
        batch_size: int = 100,
        learning_rate: float = 1e-3,
        seed: int = 1,
        validation_k: int = 0,
        wait: bool = True,
        progress: Progress = None,
        timeout: Optional[float] = None,
    ) -> trainer_pb2.Job:
        """Submits a training job; with ``wait`` (the default) follows it to its end and returns
        the final Job (``job.published`` names the model version it published).

        ``preset`` is iwae1 or iwae2 (the IWAE paper's architectures); or give ``layers`` as
        (latent_dim, [hidden widths]) or (latent_dim, [hidden widths], family) tuples, layer 1
        first, with ``preset=None``. ``objective`` is elbo, beta-vae, iwae, dreg, info-vae, vimco
        or rws; ``k``, ``beta``, ``alpha``, ``lambda_`` and ``rws_phi`` are its parameters.
        The defaults are ``bin/latentserve train``'s; ``validation_k`` 0 lets the trainer choose.
        """
        architecture = trainer_pb2.Architecture(
            likelihood=_LIKELIHOODS[likelihood], likelihood_sigma=likelihood_sigma, conditional=conditional
        )
        architecture.activation = _ACTIVATIONS[activation]
        if layers:
            if preset is not None and preset != "custom":
                raise ValueError("give either preset= or layers= (with preset=None)")
            for spec in layers:
                latent_dim, hidden = spec[0], list(spec[1])
                family = _FAMILIES[spec[2]] if len(spec) > 2 else model_pb2.LATENT_FAMILY_UNSPECIFIED
                architecture.layers.append(
                    trainer_pb2.StochasticLayerSpec(latent_dim=latent_dim, hidden=hidden, family=family)
                )
        elif preset is not None:
            architecture.preset = _PRESETS[preset]
        spec = trainer_pb2.JobSpec(
            model_name=model,
            dataset=dataset,
            architecture=architecture,
            objective=_objective(objective, k, beta, alpha, lambda_, rws_phi),
            optimizer=trainer_pb2.Optimizer(learning_rate=learning_rate, batch_size=batch_size),
            epochs=epochs,
            seed=seed,
            validation_k=validation_k,
        )
        job = self._call("trainer", "SubmitJob", trainer_pb2.SubmitJobRequest(spec=spec), None).job
        return self.watch_job(job.job_id, progress=progress, timeout=timeout) if wait else job

    def watch_job(self, job_id: str, *, progress: Progress = None, timeout: Optional[float] = None) -> trainer_pb2.Job:
        """Follows a job until it succeeds, fails or is cancelled; returns its final state.

        ``progress`` is a callable taking each JobEvent (epoch, loss, bounds, ETA), or True for a
        tqdm bar over the job's steps.
        """
        job = None
        with _Progress(progress, "training") as report_progress:
            for event in self._stream("trainer", "WatchJob", trainer_pb2.WatchJobRequest(job_id=job_id), timeout):
                job = event.job
                report_progress(event, job.step, job.total_steps, f"epoch {job.epoch}")
                if job.state in _TERMINAL:
                    return job
        if job is None or job.state not in _TERMINAL:
            job = self.get_job(job_id)
        return job

    def get_job(self, job_id: str, timeout: Optional[float] = None) -> trainer_pb2.Job:
        return self._call("trainer", "GetJob", trainer_pb2.GetJobRequest(job_id=job_id), timeout).job

    def list_jobs(self, timeout: Optional[float] = None) -> List[trainer_pb2.Job]:
        return list(self._call("trainer", "ListJobs", trainer_pb2.ListJobsRequest(), timeout).jobs)

    def cancel_job(self, job_id: str, timeout: Optional[float] = None) -> trainer_pb2.Job:
        return self._call("trainer", "CancelJob", trainer_pb2.CancelJobRequest(job_id=job_id), timeout).job


class _Progress:
    """Reports progress to a callable, to a tqdm bar (progress=True), or nowhere."""

    def __init__(self, progress: Progress, description: str):
        self._callback = progress if callable(progress) else None
        self._bar = None
        if progress is True:
            from tqdm.auto import tqdm  # optional: pip install tqdm

            self._bar = tqdm(desc=description, unit="step" if description == "training" else "ex")

    def __enter__(self):
        return self

    def __call__(self, event, done: int, total: int, phase: str) -> None:
        if self._callback is not None:
            self._callback(event)
        if self._bar is not None:
            if total and self._bar.total != total:
                self._bar.total = total
            self._bar.n = done
            self._bar.set_postfix_str(phase, refresh=False)
            self._bar.refresh()

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()


def _objective(name, k, beta, alpha, lambda_, rws_phi) -> trainer_pb2.Objective:
    o = trainer_pb2.Objective
    if name == "elbo":
        return o(elbo=o.Elbo())
    if name == "beta-vae":
        if beta is None:
            raise ValueError("objective beta-vae needs beta=, e.g. beta=4")
        return o(beta_vae=o.BetaVae(beta=beta))
    if name == "iwae":
        return o(iwae=o.Iwae(k=k))
    if name == "dreg":
        return o(dreg=o.Dreg(k=k))
    if name == "info-vae":
        return o(info_vae=o.InfoVae(alpha=alpha, **{"lambda": lambda_}))
    if name == "vimco":
        return o(vimco=o.Vimco(k=k))
    if name == "rws":
        return o(rws=o.Rws(k=k, phi=_RWS_PHI[rws_phi]))
    raise ValueError(f"unknown objective {name!r}: elbo, beta-vae, iwae, dreg, info-vae, vimco or rws")


def _ref(model: str, version: int) -> tensor_pb2.ModelRef:
    return tensor_pb2.ModelRef(name=model, version=version)


def _set_condition(request, condition) -> None:
    if condition is not None:
        request.condition.CopyFrom(to_tensor(condition))


def _optional(message, name: str) -> Optional[np.ndarray]:
    return from_tensor(getattr(message, name)) if message.HasField(name) else None


def _layer(d) -> Layer:
    family = d.WhichOneof("params")
    if family == "gaussian":
        params = {"mean": from_tensor(d.gaussian.mean), "log_variance": from_tensor(d.gaussian.log_variance)}
    elif family == "bernoulli":
        params = {"logits": from_tensor(d.bernoulli.logits)}
    else:
        params = {}
    return Layer(d.layer, family or "", params, from_tensor(d.sample) if d.HasField("sample") else None)


def _read(path: Optional[str]) -> Optional[bytes]:
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()
