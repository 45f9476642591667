package io.latentserve.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.proto.v1.ValueEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Converts between wire tensors ({@code latentserve.v1.Tensor}: shape, dtype, little-endian
 * row-major bytes) and {@link FloatTensor}.
 *
 * <p>Inputs may be float32, float64 (narrowed to float32) or uint8 with an explicit {@link
 * ValueEncoding}: {@code PIXELS_0_255} (divided by 255 into [0, 1]) or {@code UNIT_INTERVAL} (0 or
 * 1, taken as they are). A uint8 tensor without an encoding is refused rather than guessed: 0..255
 * pixels and binarized {0, 1} bytes look alike, and dividing binarized data by 255 silently turns
 * every 1 into 1/255. Float tensors must leave the encoding unspecified. Outputs are always
 * float32. Malformed tensors fail with {@link TensorFormatException} naming the request field, e.g.
 * {@code "x.data has 3132 bytes, shape [4, 784] float32 needs 12544"}.
 */
public final class TensorCodec {
  private TensorCodec() {}

  /**
   * Decodes an input tensor.
   *
   * @param field the request field, used in error messages (e.g. {@code "x"} or {@code "z[1]"})
   * @param tensor a float32, float64 or uint8 tensor with non-negative dimensions and exactly
   *     product(shape) * itemsize bytes
   * @return the values as float32, same shape
   * @throws TensorFormatException if the dtype is unsupported, a dimension is negative, the element
   *     count is too large, or the byte length does not match the shape
   */
  public static FloatTensor decode(String field, Tensor tensor) {
    int itemSize = itemSize(field, tensor);
    checkEncoding(field, tensor);
    long[] shape = new long[tensor.getShapeCount()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      long d = tensor.getShape(i);
      if (d < 0) {
        throw new TensorFormatException(
            field,
            field + ".shape[" + i + "] is " + d + ", expected >= 0 in shape " + shapeText(tensor));
      }
      shape[i] = d;
      elements = saturatingMultiply(elements, d);
    }
    long expectedBytes = saturatingMultiply(elements, itemSize);
    if (elements > Integer.MAX_VALUE - 8 || expectedBytes > Integer.MAX_VALUE) {
      throw new TensorFormatException(
          field,
          field
              + " has shape "
              + shapeText(tensor)
              + " with "
              + (elements == Long.MAX_VALUE ? "too many" : String.valueOf(elements))
              + " elements, expected at most "
              + (Integer.MAX_VALUE / itemSize));
    }
    ByteString data = tensor.getData();
    if (data.size() != expectedBytes) {
      throw new TensorFormatException(
          field,
          field
              + ".data has "
              + data.size()
              + " bytes, shape "
              + shapeText(tensor)
              + " "
              + dtypeText(tensor.getDtype())
              + " needs "
              + expectedBytes);
    }
    float[] values = new float[(int) elements];
    ByteBuffer bytes = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    switch (tensor.getDtype()) {
      case DATA_TYPE_FLOAT32 -> bytes.asFloatBuffer().get(values);
      case DATA_TYPE_FLOAT64 -> {
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) bytes.getDouble();
        }
      }
      case DATA_TYPE_UINT8 -> {
        if (tensor.getEncoding() == ValueEncoding.VALUE_ENCODING_PIXELS_0_255) {
          for (int i = 0; i < values.length; i++) {
            values[i] = (bytes.get() & 0xFF) / 255f;
          }
        } else {
          for (int i = 0; i < values.length; i++) {
            int v = bytes.get() & 0xFF;
            if (v > 1) {
              throw new TensorFormatException(
                  field,
                  field
                      + " has byte "
                      + v
                      + " at "
                      + position(shape, i)
                      + ", expected 0 or 1 with "
                      + field
                      + ".encoding VALUE_ENCODING_UNIT_INTERVAL (use VALUE_ENCODING_PIXELS_0_255"
                      + " for 0..255 pixels)");
            }
            values[i] = v;
          }
        }
      }
      default -> throw new AssertionError("dtype checked above: " + tensor.getDtype());
    }
    return FloatTensor.of(values, shape);
  }

  /**
   * Decodes the condition y of a conditional model's request: float32 or float64 only, since a
   * uint8 input would be divided by 255 like pixels and turn a one-hot label into 1/255.
   *
   * @param field the request field, e.g. {@code "condition"}
   * @throws TensorFormatException as {@link #decode}, and for any dtype but float32 and float64
   */
  public static FloatTensor decodeCondition(String field, Tensor tensor) {
    DataType dtype = tensor.getDtype();
    if (dtype != DataType.DATA_TYPE_FLOAT32 && dtype != DataType.DATA_TYPE_FLOAT64) {
      throw new TensorFormatException(
          field,
          field
              + ".dtype is "
              + (dtype == DataType.UNRECOGNIZED
                  ? "unknown value " + tensor.getDtypeValue()
                  : dtype.name())
              + ", expected DATA_TYPE_FLOAT32 or DATA_TYPE_FLOAT64");
    }
    return decode(field, tensor);
  }

  /**
   * Encodes an output tensor as float32, little-endian, row-major.
   *
   * @param tensor any shape
   */
  public static Tensor encode(FloatTensor tensor) {
    float[] values = tensor.data();
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES);
    bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
    Tensor.Builder b = Tensor.newBuilder().setDtype(DataType.DATA_TYPE_FLOAT32);
    for (long d : tensor.shape()) {
      b.addShape(d);
    }
    // The array is new and never written again, so wrapping it without a copy is safe.
    return b.setData(UnsafeByteOperations.unsafeWrap(bytes.array())).build();
  }

  /**
   * Encodes a float32 tensor given as an array, for clients and tests.
   *
   * @param values row-major elements; their count must match the shape
   */
  public static Tensor encode(float[] values, long... shape) {
    return encode(FloatTensor.of(values.clone(), shape));
  }

  /**
   * Encodes float32 values in [0, 1] that are all exactly 0 or 1 (binarized data) as uint8 with
   * {@code VALUE_ENCODING_UNIT_INTERVAL}: a quarter of the bytes of float32, decoded to the same
   * values.
   *
   * @throws IllegalArgumentException naming the first value that is neither 0 nor 1
   */
  public static Tensor encodeBinary(FloatTensor tensor) {
    float[] values = tensor.data();
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      if (values[i] != 0f && values[i] != 1f) {
        throw new IllegalArgumentException(
            "value " + values[i] + " at " + position(tensor.shape(), i) + " is neither 0 nor 1");
      }
      bytes[i] = (byte) values[i];
    }
    Tensor.Builder b =
        Tensor.newBuilder()
            .setDtype(DataType.DATA_TYPE_UINT8)
            .setEncoding(ValueEncoding.VALUE_ENCODING_UNIT_INTERVAL);
    for (long d : tensor.shape()) {
      b.addShape(d);
    }
    return b.setData(UnsafeByteOperations.unsafeWrap(bytes)).build();
  }

  /**
   * Encodes 0..255 pixels as uint8 with {@code VALUE_ENCODING_PIXELS_0_255}.
   *
   * @param pixels row-major grey levels, each 0..255
   */
  public static Tensor encodePixels(byte[] pixels, long... shape) {
    Tensor.Builder b =
        Tensor.newBuilder()
            .setDtype(DataType.DATA_TYPE_UINT8)
            .setEncoding(ValueEncoding.VALUE_ENCODING_PIXELS_0_255);
    for (long d : shape) {
      b.addShape(d);
    }
    return b.setData(ByteString.copyFrom(pixels)).build();
  }

  /** uint8 needs PIXELS_0_255 or UNIT_INTERVAL; float tensors must leave the encoding unset. */
  private static void checkEncoding(String field, Tensor tensor) {
    ValueEncoding encoding = tensor.getEncoding();
    boolean uint8 = tensor.getDtype() == DataType.DATA_TYPE_UINT8;
    if (uint8
        && encoding != ValueEncoding.VALUE_ENCODING_PIXELS_0_255
        && encoding != ValueEncoding.VALUE_ENCODING_UNIT_INTERVAL) {
      throw new TensorFormatException(
          field,
          field
              + ".encoding is "
              + encodingText(tensor)
              + ", expected VALUE_ENCODING_PIXELS_0_255 (bytes 0..255 divided by 255) or"
              + " VALUE_ENCODING_UNIT_INTERVAL (bytes 0 or 1) for a uint8 tensor");
    }
    if (!uint8 && encoding != ValueEncoding.VALUE_ENCODING_UNSPECIFIED) {
      throw new TensorFormatException(
          field,
          field
              + ".encoding is "
              + encodingText(tensor)
              + ", expected VALUE_ENCODING_UNSPECIFIED for a "
              + dtypeText(tensor.getDtype())
              + " tensor (its values are taken as they are)");
    }
  }

  private static String encodingText(Tensor tensor) {
    return tensor.getEncoding() == ValueEncoding.UNRECOGNIZED
        ? "unknown value " + tensor.getEncodingValue()
        : tensor.getEncoding().name();
  }

  /** Row-major index {@code i} of {@code shape} as {@code [r, c, ...]}. */
  private static String position(long[] shape, int i) {
    long[] index = new long[shape.length];
    long rest = i;
    for (int a = shape.length - 1; a >= 0; a--) {
      if (shape[a] > 0) {
        index[a] = rest % shape[a];
        rest /= shape[a];
      }
    }
    return Arrays.toString(index);
  }

  private static int itemSize(String field, Tensor tensor) {
    return switch (tensor.getDtype()) {
      case DATA_TYPE_FLOAT32 -> Float.BYTES;
      case DATA_TYPE_FLOAT64 -> Double.BYTES;
      case DATA_TYPE_UINT8 -> 1;
      default ->
          throw new TensorFormatException(
              field,
              field
                  + ".dtype is "
                  + (tensor.getDtype() == DataType.UNRECOGNIZED
                      ? "unknown value " + tensor.getDtypeValue()
                      : tensor.getDtype().name())
                  + ", expected DATA_TYPE_FLOAT32, DATA_TYPE_FLOAT64 or DATA_TYPE_UINT8");
    };
  }

  private static long saturatingMultiply(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
  }

  private static String shapeText(Tensor tensor) {
    return Arrays.toString(tensor.getShapeList().stream().mapToLong(Long::longValue).toArray());
  }

  private static String dtypeText(DataType dtype) {
    return switch (dtype) {
      case DATA_TYPE_FLOAT32 -> "float32";
      case DATA_TYPE_FLOAT64 -> "float64";
      case DATA_TYPE_UINT8 -> "uint8";
      default -> dtype.name();
    };
  }
}
