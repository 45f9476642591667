package io.latentserve.bundle.onnx;

import java.util.List;
import org.tribuo.util.onnx.ONNXRef;

/**
 * The deterministic networks of a VAE as graph nodes: what differs between a model trained here
 * (MLPs from its weights) and one imported from another framework (its own ONNX graphs). The
 * sampling, reparameterization and log-density nodes around them are the exporter's, the same for
 * both.
 *
 * <p>Each method returns one tensor per head in parameter order (mean, logvar; logits): an encoder
 * outputs the parameters of q(z_l|.), decoder l > 0 those of p(z_{l-1}|z_l), decoder 0 those of
 * p(x|z1) (Bernoulli logits, or a Gaussian mean and, when learned, its log variance).
 */
interface VaeNetworks {
  /**
   * Layer {@code layer}'s encoder on its input.
   *
   * @param input [rows, width] (the input already concatenated with a condition y)
   * @param matrix whether {@code input} is the [N*K, width] matrix of the fused log-weights graph,
   *     where a backend may prefer Gemm to MatMul; the result is the same
   * @param name a prefix, unique within the graph, for the nodes and initializers added
   */
  List<ONNXRef<?>> encoder(
      OnnxGraphBuilder g, int layer, ONNXRef<?> input, boolean matrix, String name);

  /** Layer {@code layer}'s decoder on its input, as {@link #encoder}. */
  List<ONNXRef<?>> decoder(
      OnnxGraphBuilder g, int layer, ONNXRef<?> input, boolean matrix, String name);

  /**
   * The parameters of a top prior with weights: heads affine in the condition y [rows, C], or,
   * without a condition, constants [d_L] that broadcast.
   *
   * @param condition y, or null for an unconditional model
   * @throws UnsupportedOperationException where the networks have no prior weights
   */
  List<ONNXRef<?>> prior(OnnxGraphBuilder g, ONNXRef<?> condition, boolean matrix, String name);
}
