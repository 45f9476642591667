package io.latentserve.bundle.onnx;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

/**
 * ONNX opset 13 operators the VAE graphs need that {@link ONNXOperators} lacks. All are in the
 * default domain, take no attributes and produce one output.
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
  ABS("Abs", 1);

  private final String opName;
  private final int inputs;

  VaeOnnxOperators(String opName, int inputs) {
    this.opName = opName;
    this.inputs = inputs;
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
    return Collections.emptyMap();
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
