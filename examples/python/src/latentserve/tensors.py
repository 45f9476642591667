"""The one tensor codec of the Python client: NumPy arrays <-> latentserve.v1.Tensor.

A Tensor is shape + dtype + little-endian row-major bytes. Requests may carry float32, float64
(the server narrows it to float32) or uint8 with its encoding: ``"pixels"`` (0..255, divided by
255 on the server) or ``"binary"`` (bytes 0 and 1, taken as they are). The server refuses uint8
without an encoding, since pixels and binarized data look alike as bytes. Every response tensor
is float32.
"""

import numpy as np

from latentserve.v1 import tensor_pb2

_TO_WIRE = {
    np.dtype(np.float32): tensor_pb2.DATA_TYPE_FLOAT32,
    np.dtype(np.float64): tensor_pb2.DATA_TYPE_FLOAT64,
    np.dtype(np.uint8): tensor_pb2.DATA_TYPE_UINT8,
}
_FROM_WIRE = {wire: dtype for dtype, wire in _TO_WIRE.items()}
_ENCODINGS = {
    "pixels": tensor_pb2.VALUE_ENCODING_PIXELS_0_255,
    "binary": tensor_pb2.VALUE_ENCODING_UNIT_INTERVAL,
}


def to_tensor(array, dtype=None, encoding=None) -> tensor_pb2.Tensor:
    """A request tensor from an array-like.

    Float32, float64 and uint8 arrays keep their dtype; anything else (Python lists of floats,
    integer arrays, ...) becomes float32, unless ``dtype`` says which of the three to send. A uint8
    array needs ``encoding``: ``"pixels"`` (0..255) or ``"binary"`` (0 and 1).
    """
    a = np.asarray(array)
    if dtype is not None:
        a = a.astype(dtype, copy=False)
    elif a.dtype not in _TO_WIRE:
        a = a.astype(np.float32)
    if a.dtype not in _TO_WIRE:
        raise TypeError(f"dtype {a.dtype} cannot be sent; use float32, float64 or uint8")
    if a.dtype == np.uint8:
        if encoding not in _ENCODINGS:
            raise ValueError(
                f"a uint8 array needs encoding='pixels' (0..255) or encoding='binary' (0 and 1), got {encoding!r}"
            )
        wire_encoding = _ENCODINGS[encoding]
    elif encoding is not None:
        raise ValueError(f"encoding applies to uint8 arrays only, not {a.dtype}")
    else:
        wire_encoding = tensor_pb2.VALUE_ENCODING_UNSPECIFIED
    little = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return tensor_pb2.Tensor(
        shape=list(a.shape),
        dtype=_TO_WIRE[a.dtype],
        data=np.ascontiguousarray(little).tobytes(),
        encoding=wire_encoding,
    )


def from_tensor(tensor: tensor_pb2.Tensor) -> np.ndarray:
    """A response tensor as a NumPy array of its shape and dtype (a writable copy)."""
    if tensor.dtype not in _FROM_WIRE:
        raise ValueError(f"unknown tensor dtype {tensor.dtype}")
    dtype = _FROM_WIRE[tensor.dtype].newbyteorder("<")
    shape = tuple(tensor.shape)
    values = np.frombuffer(tensor.data, dtype=dtype)
    expected = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if values.size != expected:
        raise ValueError(f"tensor of shape {list(shape)} has {values.size} elements, expected {expected}")
    return values.reshape(shape).astype(dtype.newbyteorder("="), copy=True)
