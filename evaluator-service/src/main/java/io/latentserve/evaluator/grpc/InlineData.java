package io.latentserve.evaluator.grpc;

import io.latentserve.evaluator.core.InvalidEvaluationException;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.wire.TensorCodec;

/**
 * Decodes EvaluateRequest.inline_data: float32, float64 (narrowed) or uint8 (divided by 255), shape
 * [N, D] with N, D >= 1 and exactly N * D * itemsize bytes; and EvaluateRequest.inline_condition,
 * the same but float32 or float64 only. The checks speak this request's fields; the bytes are
 * converted by the one {@link TensorCodec}.
 */
final class InlineData {
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
    if (n * d > Integer.MAX_VALUE / 8) {
      throw new InvalidEvaluationException(
          field + " has " + n * d + " elements, at most " + Integer.MAX_VALUE / 8 + " allowed");
    }
    long expected = n * d * itemSize;
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
    // Checked above with this request's own wording; the shared codec does the conversion.
    return TensorCodec.decode(field, t);
  }
}
