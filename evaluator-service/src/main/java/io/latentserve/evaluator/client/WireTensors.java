package io.latentserve.evaluator.client;

import com.google.protobuf.UnsafeByteOperations;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** float32 tensors to and from {@code latentserve.v1.Tensor} (little-endian row-major bytes). */
final class WireTensors {
  private WireTensors() {}

  static Tensor encode(FloatTensor t) {
    ByteBuffer bytes = ByteBuffer.allocate(t.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(t.data());
    Tensor.Builder b = Tensor.newBuilder().setDtype(DataType.DATA_TYPE_FLOAT32);
    for (long d : t.shape()) {
      b.addShape(d);
    }
    return b.setData(UnsafeByteOperations.unsafeWrap(bytes.array())).build();
  }

  /**
   * Decodes a float32 response tensor.
   *
   * @throws IllegalStateException when the server sent another dtype or a size that does not match
   *     the shape (a broken server, reported as INTERNAL)
   */
  static FloatTensor decode(String field, Tensor t) {
    if (t.getDtype() != DataType.DATA_TYPE_FLOAT32) {
      throw new IllegalStateException(field + " has dtype " + t.getDtype() + ", expected float32");
    }
    long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
    long elements = FloatTensor.elementCount(shape);
    if (elements * Float.BYTES != t.getData().size()) {
      throw new IllegalStateException(
          field + " has " + t.getData().size() + " bytes for shape " + Arrays.toString(shape));
    }
    float[] values = new float[(int) elements];
    t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return FloatTensor.of(values, shape);
  }
}
