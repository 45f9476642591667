"""latentserve: train, serve and evaluate variational autoencoders over gRPC, from Python.

    from latentserve import Client
    with Client("localhost:50051") as client:
        weights = client.importance_weights("demo", x, k=100, seed=1)

The gRPC stubs (latentserve.v1 and KServe's Open Inference Protocol, latentserve.kserve) are
generated from the project's proto/ folder when the package is installed.
"""

from latentserve.client import Client
from latentserve.errors import LatentserveError
from latentserve.results import Decoded, Encoded, ImportanceWeights, Layer, LayerLogProb, LogProb, Sampled
from latentserve.tensors import from_tensor, to_tensor

__all__ = [
    "Client",
    "LatentserveError",
    "Encoded",
    "Decoded",
    "Sampled",
    "Layer",
    "LayerLogProb",
    "LogProb",
    "ImportanceWeights",
    "to_tensor",
    "from_tensor",
]
