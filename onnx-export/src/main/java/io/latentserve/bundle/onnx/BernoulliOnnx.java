package io.latentserve.bundle.onnx;

import java.util.List;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Bernoulli layers with logits l: z = 1[l + eps > 0] for logistic noise eps, as Relu(Sign(l +
 * eps)), which is exactly 0 or 1 in float32; log mass {@code sum_d z l - softplus(l)}. The same log
 * mass serves the Bernoulli likelihood p(x|z1).
 */
final class BernoulliOnnx implements OnnxLatentFamily {
  /** Most factors in one product of the log-mass's log-sigmoid terms. */
  static final int MAX_LOG_GROUP = 64;

  @Override
  public ONNXRef<?> sample(
      OnnxGraphBuilder g, List<ONNXRef<?>> parameters, ONNXRef<?> noise, String name) {
    ONNXRef<?> margin = g.add(parameters.get(0), noise, name + "/margin");
    return g.unary(
        VaeOnnxOperators.RELU,
        g.unary(VaeOnnxOperators.SIGN, margin, name + "/sign"),
        name + "/sample");
  }

  @Override
  public ONNXRef<?> logDensity(
      OnnxGraphBuilder g,
      ONNXRef<?> z,
      List<ONNXRef<?>> parameters,
      int units,
      int parameterRank,
      String name) {
    return logMass(g, z, parameters.get(0), units, parameterRank, name);
  }

  /**
   * {@code sum_d v l - softplus(l) = sum_d (v l - relu(l)) + sum_d log sigmoid(|l|)} over the last
   * axis of v and the logits l (broadcastable): the first term is <= 0 for v in [0, 1] and exact
   * for a binary v, the second is summed as logs of products of {@link #logGroupSize} factors, so
   * that one Log runs per group instead of one per unit. Neither cancels nor overflows.
   *
   * @param units size d of the last axis
   * @param rank the rank of the logits
   */
  static ONNXRef<?> logMass(
      OnnxGraphBuilder g, ONNXRef<?> v, ONNXRef<?> logits, int units, int rank, String name) {
    ONNXRef<?> linear =
        g.sub(
            g.mul(v, logits, name + "/xl"),
            g.unary(VaeOnnxOperators.RELU, logits, name + "/relu"),
            name + "/linear");
    ONNXRef<?> sigmoids =
        g.unary(
            ONNXOperators.SIGMOID,
            g.unary(VaeOnnxOperators.ABS, logits, name + "/abs"),
            name + "/sigmoid_abs");
    int group = logGroupSize(units);
    ONNXRef<?> groups = sigmoids;
    if (group > 1) {
      long[] grouped = new long[rank + 1]; // leading zeros keep the leading dimensions
      grouped[rank - 1] = units / group;
      grouped[rank] = group;
      groups =
          g.productLastAxis(
              g.reshape(sigmoids, grouped, name + "/groups"), name + "/group_products");
    }
    ONNXRef<?> logSigmoids =
        g.sumLastAxis(
            g.unary(VaeOnnxOperators.LOG, groups, name + "/group_logs"), name + "/log_sigmoid_sum");
    return g.add(g.sumLastAxis(linear, name + "/linear_sum"), logSigmoids, name);
  }

  /**
   * Units per product in the log mass's sum of log sigmoid(|l|), so that one Log per group replaces
   * one per unit: the largest divisor g of {@code units} up to {@link #MAX_LOG_GROUP} whose group
   * count {@code units / g} has at least as many factors of two (counting up to two) as {@code
   * units}. A product of g factors in [1/2, 1] is at least 2^-64, far from float32 underflow, and
   * its rounding error (about sqrt(g) ulp of a number near 1) matches that of summing the g logs.
   *
   * <p>The factor-of-two condition keeps the [.., units / g] tensors of the logs as aligned in
   * memory as the [.., units] ones: ONNX Runtime's CPU reductions and its non-vectorized
   * element-wise kernels round a row differently depending on its alignment, and the inference
   * service places rows by an alignment computed from the model's widths (784 features give 16
   * groups of 49, not 49 groups of 16).
   */
  static int logGroupSize(int units) {
    int twos = Math.min(2, Integer.numberOfTrailingZeros(units));
    for (int group = Math.min(MAX_LOG_GROUP, units); group > 1; group--) {
      if (units % group == 0 && Math.min(2, Integer.numberOfTrailingZeros(units / group)) >= twos) {
        return group;
      }
    }
    return 1;
  }
}
