"""The one exception the client raises for a failed call."""

import grpc


class LatentserveError(Exception):
    """A call failed with a gRPC status; ``code`` is its grpc.StatusCode, ``details`` the server's
    description (which names the field, the expected and the actual value for bad input)."""

    def __init__(self, method: str, code: grpc.StatusCode, details: str):
        super().__init__(f"{method}: {code.name}: {details}")
        self.method = method
        self.code = code
        self.details = details

    @classmethod
    def of(cls, method: str, error: grpc.RpcError) -> "LatentserveError":
        return cls(method, error.code(), error.details() or "")
