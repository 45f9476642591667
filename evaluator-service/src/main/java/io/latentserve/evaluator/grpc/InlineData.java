package io.latentserve.evaluator.grpc;

import io.latentserve.evaluator.core.InvalidEvaluationException;
import io.latentserve.evaluator.core.ShapeProducts;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.wire.TensorCodec;
import io.latentserve.wire.TensorFormatException;

/**
 * Decodes EvaluateRequest.inline_data: float32, float64 (narrowed) or uint8 with its encoding
 * (pixels divided by 255, or binarized 0/1 as they are), shape [N, D] with N, D >= 1 and exactly N
 * * D * itemsize bytes; and EvaluateRequest.inline_condition, the same but float32 or float64 only.
 * The checks speak this request's fields; the bytes are converted by the one {@link TensorCodec}. N
 * * D is computed in 64 bits without overflow, so a shape such as [2^32, 2^32] is refused as too
 * large instead of wrapping around to a small product.
 */
final class InlineData {
  /** Most elements of inline data: a float32 copy of each must stay far below 2 GiB. */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE / 8;

  private InlineData() {}

  static FloatTensor decode(Tensor t) {
    return decode("inline_data", t, true);
  }

  /** The condition [N, C]: a uint8 tensor would be divided by 255 and is refused. */
  static FloatTensor decodeCondition(Tensor t) {
    return decode("inline_condition", t, false);
  }

  private static FloatTensor decode(String field, Tensor t, boolean bytesAllowed) {
    int itemSize =
        switch (t.getDtype()) {
          case DATA_TYPE_FLOAT32 -> 4;
          case DATA_TYPE_FLOAT64 -> 8;
          case DATA_TYPE_UINT8 -> bytesAllowed ? 1 : 0;
          default -> 0;
        };
    if (itemSize == 0) {
      throw new InvalidEvaluationException(
          field
              + ".dtype must be float32, float64"
              + (bytesAllowed ? " or uint8" : "")
              + ", got "
              + t.getDtype());
    }
    if (t.getShapeCount() != 2) {
      throw new InvalidEvaluationException(
          field
              + " must have shape [N, "
              + (bytesAllowed ? "D" : "C")
              + "], got "
              + t.getShapeList());
    }
    long n = t.getShape(0);
    long d = t.getShape(1);
    if (n < 1 || d < 1) {
      throw new InvalidEvaluationException(
          field
              + " must hold at least one row of at least one value, got shape "
              + t.getShapeList());
    }
    long elements = ShapeProducts.product(n, d);
    if (elements > MAX_ELEMENTS) {
      throw new InvalidEvaluationException(
          field
              + " has shape "
              + t.getShapeList()
              + " with "
              + ShapeProducts.text(elements)
              + " elements, at most "
              + MAX_ELEMENTS
              + " allowed");
    }
    long expected = elements * itemSize;
    if (t.getData().size() != expected) {
      throw new InvalidEvaluationException(
          field
              + ".data has "
              + t.getData().size()
              + " bytes, shape "
              + t.getShapeList()
              + " needs "
              + expected);
    }
    // Checked above with this request's own wording; the shared codec does the conversion (and
    // checks the uint8 encoding and values).
    try {
      return TensorCodec.decode(field, t);
    } catch (TensorFormatException e) {
      throw new InvalidEvaluationException(e.getMessage());
    }
  }
}
