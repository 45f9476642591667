"""The tensor codec, without a server."""

import numpy as np
import pytest

from latentserve import from_tensor, to_tensor
from latentserve.v1 import tensor_pb2


def test_float32_roundTrip_keepsEveryBit():
    a = np.array([[0.1, -0.0, np.inf], [-np.inf, np.nan, 1e-45]], dtype=np.float32)
    t = to_tensor(a)
    assert t.dtype == tensor_pb2.DATA_TYPE_FLOAT32
    assert list(t.shape) == [2, 3]
    assert len(t.data) == 24
    assert (from_tensor(t).view(np.uint32) == a.view(np.uint32)).all()


def test_bytes_areLittleEndianRowMajor_evenFromABigEndianArray():
    a = np.array([[1.0, 2.0]], dtype=">f4")
    assert to_tensor(a).data == np.array([1.0, 2.0], dtype="<f4").tobytes()
    assert to_tensor(np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))).data == (
        np.arange(6, dtype="<f4").tobytes()
    )


def test_float64AndUint8_keepTheirDtype_othersBecomeFloat32():
    assert to_tensor(np.zeros((1, 2), np.float64)).dtype == tensor_pb2.DATA_TYPE_FLOAT64
    u = to_tensor(np.array([[0, 255]], np.uint8), encoding="pixels")
    assert u.dtype == tensor_pb2.DATA_TYPE_UINT8 and u.data == b"\x00\xff"
    assert u.encoding == tensor_pb2.VALUE_ENCODING_PIXELS_0_255
    b = to_tensor(np.array([[0, 1]], np.uint8), encoding="binary")
    assert b.encoding == tensor_pb2.VALUE_ENCODING_UNIT_INTERVAL
    assert to_tensor([[1, 2]]).dtype == tensor_pb2.DATA_TYPE_FLOAT32
    assert to_tensor(np.ones(3, np.int64)).dtype == tensor_pb2.DATA_TYPE_FLOAT32


def test_fromTensor_wrongByteCount_raisesNamingTheShape():
    t = tensor_pb2.Tensor(shape=[2, 3], dtype=tensor_pb2.DATA_TYPE_FLOAT32, data=b"\x00" * 20)
    with pytest.raises(ValueError, match=r"shape \[2, 3\] has 5 elements, expected 6"):
        from_tensor(t)


def test_uint8WithoutEncoding_raisesNamingTheChoices():
    with pytest.raises(ValueError, match="encoding='pixels'.*encoding='binary'"):
        to_tensor(np.array([[0, 1]], np.uint8))
    with pytest.raises(ValueError, match="uint8 arrays only"):
        to_tensor(np.zeros((1, 2), np.float32), encoding="pixels")
