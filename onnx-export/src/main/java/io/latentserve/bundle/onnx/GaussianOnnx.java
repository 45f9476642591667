package io.latentserve.bundle.onnx;

import java.util.List;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Diagonal Gaussian layers: z = mean + exp(logvar / 2) eps, and {@code sum_d -0.5 (log 2 pi +
 * logvar + (z - mean)^2 exp(-logvar))}.
 */
final class GaussianOnnx implements OnnxLatentFamily {
  static final float LOG_2PI = (float) Math.log(2 * Math.PI);

  @Override
  public ONNXRef<?> sample(
      OnnxGraphBuilder g, List<ONNXRef<?>> parameters, ONNXRef<?> noise, String name) {
    return g.add(
        parameters.get(0),
        g.mul(standardDeviation(g, parameters.get(1), name), noise, name + "/noise"),
        name + "/sample");
  }

  /** exp(logvar / 2). */
  static ONNXRef<?> standardDeviation(OnnxGraphBuilder g, ONNXRef<?> logVariance, String name) {
    return g.unary(
        VaeOnnxOperators.EXP, g.mul(logVariance, 0.5f, name + "/half_logvar"), name + "/std");
  }

  @Override
  public ONNXRef<?> logDensity(
      OnnxGraphBuilder g,
      ONNXRef<?> z,
      List<ONNXRef<?>> parameters,
      int units,
      int parameterRank,
      String name) {
    ONNXRef<?> logVariance = parameters.get(1);
    ONNXRef<?> diff = g.sub(z, parameters.get(0), name + "/diff");
    ONNXRef<?> precision =
        g.unary(
            VaeOnnxOperators.EXP,
            g.unary(ONNXOperators.NEG, logVariance, name + "/neg_logvar"),
            name + "/precision");
    ONNXRef<?> squares =
        g.mul(g.mul(diff, diff, name + "/diff2"), precision, name + "/mahalanobis");
    return logDensityFromSquares(g, logVariance, squares, name);
  }

  /**
   * z - mean = exp(logvar / 2) eps exactly, so the Mahalanobis term is eps^2, and the log variance
   * term is the same for all K samples of an example: summed once per example.
   */
  @Override
  public Drawn drawPerExample(
      OnnxGraphBuilder g, List<ONNXRef<?>> parameters, ONNXRef<?> noise, int units, String name) {
    ONNXRef<?> logVariance = parameters.get(1);
    ONNXRef<?> mean = g.unsqueeze(parameters.get(0), 1, name + "/mean_nk");
    ONNXRef<?> std = g.unsqueeze(standardDeviation(g, logVariance, name), 1, name + "/std_nk");
    ONNXRef<?> sample = g.add(mean, g.mul(std, noise, name + "/noise"), name + "/sample");
    String logQ = "log_q/" + name;
    ONNXRef<?> eps2 = g.mul(noise, noise, logQ + "/eps2");
    ONNXRef<?> perExample =
        g.unsqueeze(
            g.sumLastAxis(
                g.add(logVariance, LOG_2PI, logQ + "/logvar_terms"), logQ + "/logvar_sum"),
            1,
            logQ + "/logvar_sum_nk");
    ONNXRef<?> total = g.add(g.sumLastAxis(eps2, logQ + "/eps2_sum"), perExample, logQ + "/sum");
    return new Drawn(
        g.reshape(sample, new long[] {-1, units}, name + "/sample_flat"),
        g.reshape(g.mul(total, -0.5f, logQ), new long[] {-1}, logQ + "/flat"));
  }

  /** The Mahalanobis term of the sample's own density is eps^2, as in {@link #drawPerExample}. */
  @Override
  public Drawn drawPerSample(
      OnnxGraphBuilder g, List<ONNXRef<?>> parameters, ONNXRef<?> noise, int units, String name) {
    String logQ = "log_q/" + name;
    ONNXRef<?> eps2 = g.mul(noise, noise, logQ + "/eps2");
    return new Drawn(
        sample(g, parameters, noise, name),
        logDensityFromSquares(g, parameters.get(1), eps2, logQ));
  }

  /** sum_d -0.5 (log 2 pi + logvar + squares), broadcasting logvar against squares. */
  static ONNXRef<?> logDensityFromSquares(
      OnnxGraphBuilder g, ONNXRef<?> logVariance, ONNXRef<?> squares, String name) {
    ONNXRef<?> terms =
        g.add(g.add(squares, logVariance, name + "/plus_logvar"), LOG_2PI, name + "/terms");
    return g.mul(g.sumLastAxis(terms, name + "/sum"), -0.5f, name);
  }
}
