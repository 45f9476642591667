package io.latentserve.bundle.onnx;

import ai.onnx.proto.OnnxMl;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

/**
 * ONNX opset 13 operators the VAE graphs need that {@link ONNXOperators} lacks. All are in the
 * default domain and produce one output; only {@link #REDUCE_PROD} takes (optional) attributes.
 */
enum VaeOnnxOperators implements ONNXOperator {
  /** Matrix product with numpy broadcasting over leading dimensions. */
  MAT_MUL("MatMul", 2),
  /** Element-wise hyperbolic tangent. */
  TANH("Tanh", 1),
  /** Element-wise max(x, 0). */
  RELU("Relu", 1),
  /** Element-wise natural exponential. */
  EXP("Exp", 1),
  /** Element-wise natural logarithm. */
  LOG("Log", 1),
  /** Element-wise absolute value. */
  ABS("Abs", 1),
  /** Element-wise sign: -1, 0 or 1. */
  SIGN("Sign", 1),
  /** Element-wise maximum of two inputs, numpy-style broadcasting (Max is variadic; two here). */
  MAX("Max", 2),
  /** The data (input 0) with the shape given by input 1 (int64; -1 infers one dimension). */
  RESHAPE("Reshape", 2),
  /** The shape of the input as an int64 vector. */
  SHAPE("Shape", 1),
  /** The input broadcast to the shape given by input 1 (int64), numpy-style. */
  EXPAND("Expand", 2),
  /** Elements [starts, ends) of the input (data, starts, ends; along the leading axes). */
  SLICE("Slice", 3),
  /** Product over the {@code axes} attribute (opset 13 has no axes input for it). */
  REDUCE_PROD("ReduceProd", 1, true),
  /** Product over the axes of input 1 (int64), as opset 18 and later write it. */
  REDUCE_PROD_AXES_INPUT("ReduceProd", 2, true);

  private final String opName;
  private final int inputs;
  private final Map<String, ONNXAttribute> attributes;

  VaeOnnxOperators(String opName, int inputs) {
    this(opName, inputs, false);
  }

  /**
   * @param reduction whether the operator takes the reduction attributes {@code axes} (ints) and
   *     {@code keepdims} (int)
   */
  VaeOnnxOperators(String opName, int inputs, boolean reduction) {
    this.opName = opName;
    this.inputs = inputs;
    Map<String, ONNXAttribute> a = new LinkedHashMap<>();
    if (reduction) {
      a.put("axes", new ONNXAttribute("axes", OnnxMl.AttributeProto.AttributeType.INTS, false));
      a.put(
          "keepdims",
          new ONNXAttribute("keepdims", OnnxMl.AttributeProto.AttributeType.INT, false));
    }
    this.attributes = Collections.unmodifiableMap(a);
  }

  @Override
  public String getOpName() {
    return opName;
  }

  @Override
  public int getNumInputs() {
    return inputs;
  }

  @Override
  public int getNumOptionalInputs() {
    return 0;
  }

  @Override
  public int getNumOutputs() {
    return 1;
  }

  @Override
  public Map<String, ONNXAttribute> getAttributes() {
    return attributes;
  }

  @Override
  public Set<String> getMandatoryAttributeNames() {
    return Collections.emptySet();
  }

  @Override
  public int getOpVersion() {
    return ONNXOperators.getOpsetVersion();
  }

  @Override
  public String getOpDomain() {
    return null;
  }
}
