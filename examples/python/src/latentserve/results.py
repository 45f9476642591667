"""What the typed helpers of Client return: NumPy arrays in small dataclasses."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np


@dataclass(frozen=True)
class Layer:
    """One latent layer's distribution for every row, in its family, and optionally a draw.

    ``params`` holds the family's parameters, each [N, dim] float32: ``mean`` and
    ``log_variance`` for a Gaussian layer, ``logits`` for a Bernoulli one.
    """

    name: str
    family: str
    params: Dict[str, np.ndarray]
    sample: Optional[np.ndarray] = None

    @property
    def mean(self) -> np.ndarray:
        return self.params["mean"]

    @property
    def log_variance(self) -> np.ndarray:
        return self.params["log_variance"]

    @property
    def logits(self) -> np.ndarray:
        return self.params["logits"]


@dataclass(frozen=True)
class Encoded:
    """q(z|x) for every latent layer, layer 1 first; each sample present when asked for."""

    version: int
    layers: List[Layer]

    def layer(self, name: str) -> Layer:
        return next(l for l in self.layers if l.name == name)


@dataclass(frozen=True)
class Decoded:
    """p(x|z): its mean [N, D], a draw when asked for, the log variance of a learned Gaussian
    likelihood, and the intermediate layers of a hierarchical model (top-1 down to layer 1)."""

    version: int
    x_mean: np.ndarray
    x_sample: Optional[np.ndarray] = None
    x_log_variance: Optional[np.ndarray] = None
    intermediate_layers: List[Layer] = field(default_factory=list)


@dataclass(frozen=True)
class Sampled(Decoded):
    """Draws from the prior, decoded: ``prior.sample`` holds z [n, top_dim]."""

    prior: Optional[Layer] = None

    @property
    def z(self) -> np.ndarray:
        return self.prior.sample


@dataclass(frozen=True)
class LayerLogProb:
    """log p(z_l | z_{l+1}) and log q(z_l | z_{l-1}) of one layer, [N] nats each."""

    log_prior: np.ndarray
    log_posterior: np.ndarray


@dataclass(frozen=True)
class LogProb:
    """log p(x|z), log p(z), log q(z|x) per row, [N] nats, and per layer."""

    version: int
    log_px_given_z: np.ndarray
    log_pz: np.ndarray
    log_qz_given_x: np.ndarray
    layers: Dict[str, LayerLogProb]


@dataclass(frozen=True)
class ImportanceWeights:
    """log w [N, k] in nats, and log p(x|z), log p(z), log q(z|x) per sample when asked for."""

    version: int
    log_weights: np.ndarray
    log_px_given_z: Optional[np.ndarray] = None
    log_pz: Optional[np.ndarray] = None
    log_qz_given_x: Optional[np.ndarray] = None

    def log_likelihood(self) -> np.ndarray:
        """The IWAE estimate log (1/k) sum_j w_ij of every row, [N] nats (float64)."""
        w = self.log_weights.astype(np.float64)
        m = w.max(axis=1, keepdims=True)
        return (m + np.log(np.mean(np.exp(w - m), axis=1, keepdims=True)))[:, 0]
