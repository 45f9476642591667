package io.latentserve.evaluator.grpc;

import io.latentserve.evaluator.core.InvalidEvaluationException;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes EvaluateRequest.inline_data: float32, float64 (narrowed) or uint8 (divided by 255), shape
 * [N, D] with N, D >= 1 and exactly N * D * itemsize bytes.
 */
final class InlineData {
  private InlineData() {}

  static FloatTensor decode(Tensor t) {
    int itemSize =
        switch (t.getDtype()) {
          case DATA_TYPE_FLOAT32 -> 4;
          case DATA_TYPE_FLOAT64 -> 8;
          case DATA_TYPE_UINT8 -> 1;
          default ->
              throw new InvalidEvaluationException(
                  "inline_data.dtype must be float32, float64 or uint8, got " + t.getDtype());
        };
    if (t.getShapeCount() != 2) {
      throw new InvalidEvaluationException(
          "inline_data must have shape [N, D], got " + t.getShapeList());
    }
    long n = t.getShape(0);
    long d = t.getShape(1);
    if (n < 1 || d < 1) {
      throw new InvalidEvaluationException(
          "inline_data must hold at least one example of at least one feature, got shape "
              + t.getShapeList());
    }
    if (n * d > Integer.MAX_VALUE / 8) {
      throw new InvalidEvaluationException(
          "inline_data has " + n * d + " elements, at most " + Integer.MAX_VALUE / 8 + " allowed");
    }
    long expected = n * d * itemSize;
    if (t.getData().size() != expected) {
      throw new InvalidEvaluationException(
          "inline_data.data has "
              + t.getData().size()
              + " bytes, shape "
              + t.getShapeList()
              + " needs "
              + expected);
    }
    float[] values = new float[(int) (n * d)];
    ByteBuffer bytes = t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    switch (t.getDtype()) {
      case DATA_TYPE_FLOAT32 -> bytes.asFloatBuffer().get(values);
      case DATA_TYPE_FLOAT64 -> {
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) bytes.getDouble();
        }
      }
      default -> {
        for (int i = 0; i < values.length; i++) {
          values[i] = (bytes.get() & 0xFF) / 255f;
        }
      }
    }
    return FloatTensor.of(values, n, d);
  }
}
