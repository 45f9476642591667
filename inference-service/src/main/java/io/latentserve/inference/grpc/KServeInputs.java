package io.latentserve.inference.grpc;

import com.google.protobuf.ByteString;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.InferTensorContents;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferRequest.InferInputTensor;
import io.latentserve.inference.core.InvalidInputException;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.proto.v1.ValueEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The input tensors of one ModelInfer request, by name, as {@code latentserve.v1} tensors: raw
 * ({@code raw_input_contents}) and typed ({@code contents}) inputs both become shape + dtype +
 * little-endian bytes, so that the one tensor codec decodes and checks them as it does for
 * latentserve.v1 requests.
 *
 * <p>Accepted datatypes: FP32, FP64 (narrowed to float32) and UINT8 (divided by 255), as in
 * latentserve.v1; {@code condition} takes FP32 or FP64 only.
 */
final class KServeInputs {
  private static final String CONDITION = "condition";

  private final String model;
  private final Map<String, Tensor> tensors;

  private KServeInputs(String model, Map<String, Tensor> tensors) {
    this.model = model;
    this.tensors = tensors;
  }

  /**
   * Reads every input of {@code request}.
   *
   * @param expected the graph's input names, for messages and to refuse unknown inputs
   * @throws InvalidInputException naming the input and what was expected
   */
  static KServeInputs read(ModelInferRequest request, List<String> expected) {
    String model = request.getModelName();
    int raw = request.getRawInputContentsCount();
    if (raw != 0 && raw != request.getInputsCount()) {
      throw new InvalidInputException(
          "raw_input_contents",
          "raw_input_contents has "
              + raw
              + " entries, expected one per input ("
              + request.getInputsCount()
              + ")");
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (int i = 0; i < request.getInputsCount(); i++) {
      InferInputTensor input = request.getInputs(i);
      String name = input.getName();
      if (!expected.contains(name)) {
        throw new InvalidInputException(
            "inputs[" + i + "].name",
            "inputs["
                + i
                + "] is named '"
                + name
                + "', model "
                + model
                + " has inputs "
                + expected);
      }
      if (tensors.containsKey(name)) {
        throw new InvalidInputException(
            "inputs[" + i + "].name", "input " + name + " is given twice, expected once");
      }
      DataType dtype = dataType(input, i);
      ByteString data;
      if (raw != 0) {
        if (input.hasContents()) {
          throw new InvalidInputException(
              name,
              "input "
                  + name
                  + " has typed contents while raw_input_contents is used, expected one or the"
                  + " other for every input");
        }
        data = request.getRawInputContents(i);
      } else {
        data = typedBytes(name, input, dtype);
      }
      Tensor.Builder tensor =
          Tensor.newBuilder().addAllShape(input.getShapeList()).setDtype(dtype).setData(data);
      if (dtype == DataType.DATA_TYPE_UINT8) {
        tensor.setEncoding(uint8Encoding(name, input));
      }
      tensors.put(name, tensor.build());
    }
    return new KServeInputs(model, tensors);
  }

  /** The input {@code name}, decoded; missing is INVALID_ARGUMENT naming it. */
  FloatTensor required(String name, String shape) {
    Tensor tensor = tensors.get(name);
    if (tensor == null) {
      throw new InvalidInputException(
          name, "input " + name + " is missing, expected " + shape + " for model " + model);
    }
    return ProtoMapping.decode(name, tensor);
  }

  /** The condition y, or null when the request has none; whether the model wants one it checks. */
  FloatTensor condition() {
    Tensor tensor = tensors.get(CONDITION);
    return tensor == null ? null : ProtoMapping.decodeCondition(CONDITION, tensor);
  }

  private static DataType dataType(InferInputTensor input, int index) {
    String datatype = input.getDatatype();
    boolean condition = CONDITION.equals(input.getName());
    switch (datatype) {
      case "FP32":
        return DataType.DATA_TYPE_FLOAT32;
      case "FP64":
        return DataType.DATA_TYPE_FLOAT64;
      case "UINT8":
        if (!condition) {
          return DataType.DATA_TYPE_UINT8;
        }
        break;
      default:
        break;
    }
    throw new InvalidInputException(
        "inputs[" + index + "].datatype",
        "input "
            + input.getName()
            + " has datatype '"
            + datatype
            + "', expected "
            + (condition ? "FP32 or FP64" : "FP32, FP64 or UINT8"));
  }

  /**
   * The encoding a UINT8 input states in its parameter {@code encoding}: {@code "pixels"} (0..255,
   * divided by 255) or {@code "binary"} (bytes 0 and 1, taken as they are). Required, as {@code
   * Tensor.encoding} is in latentserve.v1: pixels and binarized data look alike as bytes.
   */
  private static ValueEncoding uint8Encoding(String name, InferInputTensor input) {
    InferParameter p = input.getParametersMap().get("encoding");
    String given = p == null ? null : p.getStringParam();
    if ("pixels".equals(given)) {
      return ValueEncoding.VALUE_ENCODING_PIXELS_0_255;
    }
    if ("binary".equals(given)) {
      return ValueEncoding.VALUE_ENCODING_UNIT_INTERVAL;
    }
    throw new InvalidInputException(
        name,
        "input "
            + name
            + " (UINT8) needs the parameter encoding = \"pixels\" (0..255) or \"binary\" (0 and"
            + " 1), got "
            + (p == null ? "none" : "\"" + given + "\""));
  }

  /** Typed contents as little-endian bytes of {@code dtype}. */
  private static ByteString typedBytes(String name, InferInputTensor input, DataType dtype) {
    InferTensorContents contents = input.getContents();
    String field =
        switch (dtype) {
          case DATA_TYPE_FLOAT32 -> "fp32_contents";
          case DATA_TYPE_FLOAT64 -> "fp64_contents";
          default -> "uint_contents";
        };
    int count =
        switch (dtype) {
          case DATA_TYPE_FLOAT32 -> contents.getFp32ContentsCount();
          case DATA_TYPE_FLOAT64 -> contents.getFp64ContentsCount();
          default -> contents.getUintContentsCount();
        };
    long needed = elements(input.getShapeList());
    if (needed >= 0 && needed != count) {
      throw new InvalidInputException(
          name,
          "input "
              + name
              + " has "
              + count
              + " values in contents."
              + field
              + ", shape "
              + input.getShapeList()
              + " needs "
              + needed);
    }
    return switch (dtype) {
      case DATA_TYPE_FLOAT32 -> {
        List<Float> values = contents.getFp32ContentsList();
        ByteBuffer b = buffer(values.size() * 4L, name);
        values.forEach(b::putFloat);
        yield ByteString.copyFrom(b.flip());
      }
      case DATA_TYPE_FLOAT64 -> {
        List<Double> values = contents.getFp64ContentsList();
        ByteBuffer b = buffer(values.size() * 8L, name);
        values.forEach(b::putDouble);
        yield ByteString.copyFrom(b.flip());
      }
      case DATA_TYPE_UINT8 -> {
        List<Integer> values = contents.getUintContentsList();
        byte[] bytes = new byte[values.size()];
        for (int i = 0; i < bytes.length; i++) {
          int v = values.get(i);
          if (v < 0 || v > 255) {
            throw new InvalidInputException(
                name,
                "input "
                    + name
                    + " (UINT8) uint_contents["
                    + i
                    + "] is "
                    + Integer.toUnsignedString(v)
                    + ", expected 0 to 255");
          }
          bytes[i] = (byte) v;
        }
        yield ByteString.copyFrom(bytes);
      }
      default -> throw new AssertionError("datatype checked above: " + dtype);
    };
  }

  /** Elements of {@code shape}, or -1 where a dimension is negative (the codec names that). */
  private static long elements(List<Long> shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        return -1;
      }
      n = d == 0 ? 0 : (n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d);
    }
    return n;
  }

  private static ByteBuffer buffer(long bytes, String name) {
    if (bytes > Integer.MAX_VALUE) {
      throw new InvalidInputException(name, "input " + name + " has too many values");
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }
}
