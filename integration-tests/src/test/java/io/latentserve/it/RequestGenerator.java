package io.latentserve.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random request messages of any type, from its protobuf descriptor: every field set or not,
 * numbers from their types' extremes, strings that look like paths, enums with unknown numbers,
 * bytes of random lengths. Tensors ({@code latentserve.v1.Tensor}) and model references are often
 * generated well-formed, so that requests get past the first checks into the deeper ones, with NaN,
 * infinities and extreme shapes inside.
 */
final class RequestGenerator {
  private static final long[] LONGS = {
    0,
    1,
    -1,
    2,
    3,
    7,
    255,
    256,
    784,
    4096,
    5000,
    5001,
    Integer.MAX_VALUE,
    Integer.MIN_VALUE,
    1L << 31,
    1L << 32,
    (1L << 32) + 1,
    3037000500L,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    -4096
  };
  private static final double[] DOUBLES = {
    0,
    -0.0,
    1,
    -1,
    0.5,
    1e-45,
    1e300,
    -1e300,
    Double.NaN,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    Double.MIN_VALUE,
    Double.MAX_VALUE
  };
  private static final String[] STRINGS = {
    "",
    "../../etc/passwd",
    "..",
    ".",
    "a/b",
    "/abs",
    "C:\\\\x",
    "name\u0000nul",
    "%2e%2e%2f",
    "Ünïcödé",
    "x".repeat(300),
    "mnist",
    "mnist-10k",
    "test",
    "train",
    "dns:///x",
    " ",
    "eval-20260101-000000-abcdef",
    "eval-../../x",
    "job-1",
  };

  private final SplittableRandom random;
  private final List<String> models;
  private final long[] sizes;

  /**
   * @param random the source of every choice (seeded by the caller)
   * @param models names of served models, used in many model references
   * @param sizes the served models' feature and latent sizes, the columns of most tensors
   */
  RequestGenerator(SplittableRandom random, List<String> models, long... sizes) {
    this.random = random;
    this.models = List.copyOf(models);
    this.sizes = sizes.clone();
  }

  DynamicMessage message(Descriptor type) {
    return message(type, 0);
  }

  private DynamicMessage message(Descriptor type, int depth) {
    if (type.getFullName().equals("latentserve.v1.Tensor") && random.nextInt(3) > 0) {
      return tensor(type);
    }
    if (type.getFullName().equals("latentserve.v1.ModelRef") && random.nextInt(4) > 0) {
      return DynamicMessage.newBuilder(type)
          .setField(
              type.findFieldByName("name"),
              models.get(random.nextInt(8) == 0 ? random.nextInt(models.size()) : 0))
          .setField(
              type.findFieldByName("version"),
              (long) random.nextInt(random.nextInt(8) == 0 ? 4 : 2))
          .build();
    }
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    for (FieldDescriptor field : type.getFields()) {
      boolean message = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
      if (random.nextInt(message ? 10 : 4) == 0
          || (field.getContainingOneof() != null && random.nextBoolean())) {
        continue;
      }
      if (field.isRepeated()) {
        int count = random.nextInt(5);
        for (int i = 0; i < count; i++) {
          Object value = value(field, depth);
          if (value != null) {
            b.addRepeatedField(field, value);
          }
        }
      } else {
        Object value = value(field, depth);
        if (value != null) {
          b.setField(field, value);
        }
      }
    }
    return b.build();
  }

  /**
   * A copy of a well-formed {@code base} with one to three fields changed: cleared, given a
   * generated value, or (for a message field) changed the same way inside. Requests close to valid
   * ones reach the checks and the computations that a wholly random request stops before.
   */
  DynamicMessage mutate(Message base) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(base);
    int edits = 1 + random.nextInt(3);
    for (int e = 0; e < edits; e++) {
      List<FieldDescriptor> fields = base.getDescriptorForType().getFields();
      FieldDescriptor f = fields.get(random.nextInt(fields.size()));
      if (random.nextInt(5) == 0) {
        b.clearField(f);
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !f.isRepeated()
          && b.hasField(f)
          && random.nextBoolean()) {
        b.setField(f, mutate((Message) b.getField(f)));
      } else if (f.isRepeated()) {
        b.clearField(f);
        int count = random.nextInt(4);
        for (int i = 0; i < count; i++) {
          Object value = value(f, 2);
          if (value != null) {
            b.addRepeatedField(f, value);
          }
        }
      } else {
        Object value = value(f, 2);
        if (value != null) {
          b.setField(f, value);
        }
      }
    }
    return b.build();
  }

  private Object value(FieldDescriptor field, int depth) {
    return switch (field.getJavaType()) {
      case INT -> (int) pickLong();
      case LONG -> pickLong();
      case FLOAT -> (float) pickDouble();
      case DOUBLE -> pickDouble();
      case BOOLEAN -> random.nextBoolean();
      case STRING -> pickString();
      case BYTE_STRING -> ByteString.copyFrom(bytes(random.nextInt(4) == 0 ? 70_000 : 64));
      case ENUM -> pickEnum(field.getEnumType());
      case MESSAGE -> depth >= 4 ? null : message(field.getMessageType(), depth + 1);
    };
  }

  private long pickLong() {
    return random.nextBoolean() ? random.nextLong(-2, 40) : LONGS[random.nextInt(LONGS.length)];
  }

  private double pickDouble() {
    return random.nextInt(3) == 0 ? random.nextDouble() : DOUBLES[random.nextInt(DOUBLES.length)];
  }

  private String pickString() {
    int r = random.nextInt(4);
    if (r == 0) {
      return models.get(random.nextInt(models.size()));
    }
    return STRINGS[random.nextInt(STRINGS.length)];
  }

  private Object pickEnum(EnumDescriptor type) {
    if (random.nextInt(12) == 0) {
      // An unknown number: proto3 keeps it; the service must refuse it, not fail on it.
      return type.findValueByNumberCreatingIfUnknown(40 + random.nextInt(60));
    }
    return type.getValues().get(random.nextInt(type.getValues().size()));
  }

  private byte[] bytes(int maxLength) {
    byte[] b = new byte[random.nextInt(maxLength + 1)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  /**
   * A tensor whose bytes match its shape more often than not: mostly float32 [rows, D] with D one
   * of the served model's sizes, sometimes with one odd value (NaN, an infinity, an extreme)
   * inside, sometimes another dtype, encoding, rank or an extreme shape.
   */
  private DynamicMessage tensor(Descriptor type) {
    FieldDescriptor shape = type.findFieldByName("shape");
    FieldDescriptor dtype = type.findFieldByName("dtype");
    FieldDescriptor data = type.findFieldByName("data");
    FieldDescriptor encoding = type.findFieldByName("encoding");
    long rows = random.nextInt(8) == 0 ? pickLong() : 1 + random.nextInt(8);
    long cols = random.nextInt(6) == 0 ? pickLong() : sizes[random.nextInt(sizes.length)];
    int r = random.nextInt(20);
    int dtypeNumber = r < 14 ? 1 : r < 17 ? 3 : r < 19 ? 2 : 4 + random.nextInt(3);
    int itemSize = dtypeNumber == 1 ? 4 : dtypeNumber == 2 ? 8 : 1;
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    int rank = random.nextInt(10) == 0 ? random.nextInt(4) : 2;
    long[] dims = rank == 2 ? new long[] {rows, cols} : new long[rank];
    for (int i = 0; i < dims.length && rank != 2; i++) {
      dims[i] = random.nextBoolean() ? pickLong() : 1 + random.nextInt(8);
    }
    long elements = 1;
    boolean small = true;
    for (long d : dims) {
      b.addRepeatedField(shape, d);
      if (d < 0 || d > 4096) {
        small = false;
      }
      elements *= Math.max(d, 0);
    }
    b.setField(dtype, dtype.getEnumType().findValueByNumberCreatingIfUnknown(dtypeNumber));
    if (itemSize == 1 ? random.nextInt(4) > 0 : random.nextInt(10) == 0) {
      b.setField(
          encoding, encoding.getEnumType().findValueByNumberCreatingIfUnknown(random.nextInt(4)));
    }
    if (small && elements <= 1 << 16 && random.nextInt(8) > 0) {
      int n = (int) elements;
      int odd = n > 0 && random.nextInt(4) == 0 ? random.nextInt(n) : -1;
      ByteBuffer buffer = ByteBuffer.allocate(n * itemSize).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        double v = i == odd ? pickDouble() : random.nextInt(2);
        switch (itemSize) {
          case 4 -> buffer.putFloat((float) v);
          case 8 -> buffer.putDouble(v);
          default -> buffer.put((byte) (i == odd ? random.nextInt(256) : (int) v));
        }
      }
      byte[] bytes = buffer.array();
      if (random.nextInt(12) == 0 && bytes.length > 0) {
        bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
      }
      b.setField(data, ByteString.copyFrom(bytes));
    } else {
      b.setField(data, ByteString.copyFrom(bytes(32)));
    }
    return b.build();
  }
}
