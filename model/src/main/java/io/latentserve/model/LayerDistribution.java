package io.latentserve.model;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One latent layer's distribution in its {@link LatentFamily} for every row, and optionally a draw
 * from it: what inference-service's Encode, Decode and Sample compute, and what the evaluator reads
 * back from them.
 *
 * @param layer layer name, e.g. {@code "z1"}
 * @param family the layer's family
 * @param parameters the family's parameters in {@link LatentFamily#parameterNames()} order (mean
 *     and log variance; logits), each [N, dim] float32
 * @param sample a draw, [N, dim] float32, when asked for (a Bernoulli draw is exactly 0 or 1)
 */
public record LayerDistribution(
    String layer, LatentFamily family, List<FloatTensor> parameters, Optional<FloatTensor> sample) {
  public LayerDistribution {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(sample, "sample");
    parameters = List.copyOf(parameters);
    if (parameters.size() != family.parameterCount()) {
      throw new IllegalArgumentException(
          "layer "
              + layer
              + " ("
              + family.name()
              + ") needs the parameters "
              + family.parameterNames()
              + ", got "
              + parameters.size());
    }
    FloatTensor first = parameters.get(0);
    for (FloatTensor p : parameters) {
      if (p.rank() != 2 || !Arrays.equals(p.shape(), first.shape())) {
        throw new IllegalArgumentException(
            "layer " + layer + ": every parameter must be [N, dim], got " + parameters);
      }
    }
  }

  /** A diagonal Gaussian layer. */
  public static LayerDistribution gaussian(
      String layer, FloatTensor mean, FloatTensor logVariance, Optional<FloatTensor> sample) {
    return new LayerDistribution(layer, LatentFamily.GAUSSIAN, List.of(mean, logVariance), sample);
  }

  /** The parameter named {@code name}, e.g. "mean", "logvar" or "logits". */
  public FloatTensor parameter(String name) {
    return parameters.get(family.parameterIndex(name));
  }

  /** The Gaussian mean, {@code parameter("mean")}. */
  public FloatTensor mean() {
    return parameter("mean");
  }

  /** The Gaussian log variance, {@code parameter("logvar")}. */
  public FloatTensor logVariance() {
    return parameter("logvar");
  }

  /** Rows N. */
  public int rows() {
    return (int) parameters.get(0).dim(0);
  }

  /** Units per row. */
  public int dim() {
    return parameters.get(0).rowSize();
  }

  /** Row {@code i}'s parameters, [parameterCount][dim], in double precision. */
  public double[][] row(int i) {
    int d = dim();
    double[][] out = new double[parameters.size()][d];
    for (int p = 0; p < out.length; p++) {
      float[] values = parameters.get(p).data();
      for (int c = 0; c < d; c++) {
        out[p][c] = values[i * d + c];
      }
    }
    return out;
  }

  /**
   * E_q[z] per row and unit, [N, dim] float32 ({@link LatentFamily#expectation}): the Gaussian mean
   * itself, the Bernoulli probability sigmoid(logits).
   */
  public FloatTensor expectation() {
    int n = rows();
    int d = dim();
    float[] out = new float[n * d];
    for (int i = 0; i < n; i++) {
      double[] e = family.expectation(row(i));
      for (int c = 0; c < d; c++) {
        out[i * d + c] = (float) e[c];
      }
    }
    return FloatTensor.of(out, n, d);
  }
}
