package io.latentserve.bundle.onnx;

import io.latentserve.model.Dense;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.List;
import org.tribuo.util.onnx.ONNXRef;

/**
 * The MLPs of {@link VaeWeights} as graph nodes: dense layers with the architecture's activation,
 * one dense head per parameter. On the [N*K, width] matrices of the fused graph each dense layer is
 * one Gemm with the bias inside; elsewhere a MatMul that broadcasts.
 */
final class MlpNetworks implements VaeNetworks {
  private final VaeWeights weights;

  MlpNetworks(VaeWeights weights) {
    this.weights = weights;
  }

  @Override
  public List<ONNXRef<?>> encoder(
      OnnxGraphBuilder g, int layer, ONNXRef<?> input, boolean matrix, String name) {
    return mlp(g, weights.encoders().get(layer), input, matrix, name);
  }

  @Override
  public List<ONNXRef<?>> decoder(
      OnnxGraphBuilder g, int layer, ONNXRef<?> input, boolean matrix, String name) {
    return mlp(g, weights.decoders().get(layer), input, matrix, name);
  }

  @Override
  public List<ONNXRef<?>> prior(
      OnnxGraphBuilder g, ONNXRef<?> condition, boolean matrix, String name) {
    if (condition == null) {
      List<ONNXRef<?>> constants = new ArrayList<>();
      List<Dense> heads = weights.prior().heads();
      for (int i = 0; i < heads.size(); i++) {
        constants.add(g.constantLayer(heads.get(i), name + "/head" + i));
      }
      return constants;
    }
    return mlp(g, weights.prior(), condition, matrix, name);
  }

  private List<ONNXRef<?>> mlp(
      OnnxGraphBuilder g, GaussianMlp mlp, ONNXRef<?> input, boolean matrix, String name) {
    ONNXRef<?> h = input;
    for (int i = 0; i < mlp.hidden().size(); i++) {
      ONNXRef<?> pre = dense(g, h, mlp.hidden().get(i), matrix, name + "/hidden" + i);
      h = g.unary(activation(), pre, name + "/hidden" + i + "/act");
    }
    List<ONNXRef<?>> heads = new ArrayList<>();
    heads.add(dense(g, h, mlp.mean(), matrix, name + "/mean"));
    if (mlp.logVariance() != null) {
      heads.add(dense(g, h, mlp.logVariance(), matrix, name + "/logvar"));
    }
    return heads;
  }

  private static ONNXRef<?> dense(
      OnnxGraphBuilder g, ONNXRef<?> x, Dense layer, boolean matrix, String name) {
    return matrix ? g.denseMatrix(x, layer, name) : g.dense(x, layer, name);
  }

  private VaeOnnxOperators activation() {
    return switch (weights.architecture().activation()) {
      case TANH -> VaeOnnxOperators.TANH;
      case RELU -> VaeOnnxOperators.RELU;
    };
  }
}
