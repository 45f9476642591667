package io.latentserve.bundle.onnx;

import io.latentserve.model.LatentFamily;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXRef;

/**
 * The ONNX piece of a {@link LatentFamily}: how a layer of the family draws a sample from its
 * parameters and its noise, and measures its log density, as graph nodes. Each piece computes what
 * the family's reference math computes, in float32.
 */
interface OnnxLatentFamily {
  /** The piece of every family the writer knows; one entry per family. */
  Map<LatentFamily, OnnxLatentFamily> PIECES =
      Map.of(
          LatentFamily.GAUSSIAN, new GaussianOnnx(),
          LatentFamily.BERNOULLI, new BernoulliOnnx());

  /**
   * The piece of {@code family}.
   *
   * @throws IllegalArgumentException for a family without one
   */
  static OnnxLatentFamily of(LatentFamily family) {
    OnnxLatentFamily piece = PIECES.get(family);
    if (piece == null) {
      throw new IllegalArgumentException("no ONNX graphs for latent family " + family.name());
    }
    return piece;
  }

  /**
   * A sample from the parameters and the noise (both broadcastable to [.., d]).
   *
   * @param parameters one tensor per parameter of the family, in its order
   */
  ONNXRef<?> sample(OnnxGraphBuilder g, List<ONNXRef<?>> parameters, ONNXRef<?> noise, String name);

  /**
   * The log density of z, summed over the last axis: [.., d] -> [..].
   *
   * @param units size d of the last axis
   * @param parameterRank the rank of the parameter tensors (1 for constants [d] that broadcast)
   */
  ONNXRef<?> logDensity(
      OnnxGraphBuilder g,
      ONNXRef<?> z,
      List<ONNXRef<?>> parameters,
      int units,
      int parameterRank,
      String name);

  /**
   * K samples per example and their log density, for the fused log-weights graph's bottom layer,
   * whose parameters depend on the example alone.
   *
   * @param parameters [N, d] each
   * @param noise [N, K, d]
   * @return the samples as a matrix [N*K, d] (rows in sample order) and log q [N*K]
   */
  default Drawn drawPerExample(
      OnnxGraphBuilder g, List<ONNXRef<?>> parameters, ONNXRef<?> noise, int units, String name) {
    List<ONNXRef<?>> perExample = new java.util.ArrayList<>();
    for (int i = 0; i < parameters.size(); i++) {
      perExample.add(g.unsqueeze(parameters.get(i), 1, name + "/parameter" + i + "_nk"));
    }
    ONNXRef<?> z = sample(g, perExample, noise, name);
    ONNXRef<?> logQ = logDensity(g, z, perExample, units, 3, "log_q/" + name);
    return new Drawn(
        g.reshape(z, new long[] {-1, units}, name + "/sample_flat"),
        g.reshape(logQ, new long[] {-1}, "log_q/" + name + "/flat"));
  }

  /**
   * One sample per row and its log density, for the fused log-weights graph's upper layers.
   *
   * @param parameters [N*K, d] each
   * @param noise [N*K, d]
   * @return the samples [N*K, d] and log q [N*K]
   */
  default Drawn drawPerSample(
      OnnxGraphBuilder g, List<ONNXRef<?>> parameters, ONNXRef<?> noise, int units, String name) {
    ONNXRef<?> z = sample(g, parameters, noise, name);
    return new Drawn(z, logDensity(g, z, parameters, units, 2, "log_q/" + name));
  }

  /** Samples and their log density. */
  record Drawn(ONNXRef<?> sample, ONNXRef<?> logDensity) {}
}
