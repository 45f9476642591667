package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.stream.IntStream;

/**
 * Estimators of the mutual information I(x;z) between the data and a diagonal-Gaussian latent layer
 * under the encoder's joint q(x, z) = p_data(x) q(z|x), with p_data uniform over the N evaluation
 * examples.
 *
 * <p>For a hierarchical encoder that is a Markov chain x -> z1 -> z2 -> ..., the upper layers
 * depend on x only through z1, so I(x; z1, ..., zL) = I(x; z1): estimating it on layer 1, whose
 * posterior is an exact diagonal Gaussian, covers every layer.
 */
public final class MutualInformationEstimator {
  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private static final int BLOCK = 64;

  private MutualInformationEstimator() {}

  /**
   * The aggregate-posterior Monte Carlo estimator over the whole set (Hoffman and Johnson 2016,
   * "ELBO surgery"; used per layer by Xiao and Bamler 2023, HIT):
   *
   * <pre>I ~ (1/N) sum_i [log q(z_i|x_i) - log (1/N) sum_n q(z_i|x_n)],   z_i ~ q(z|x_i)</pre>
   *
   * <p>Every term is at most log N (the sum over n includes n = i), so the estimate never exceeds
   * the ceiling log N, and it is biased low when the true I(x;z) approaches it: report the ceiling
   * next to it. Far from the ceiling its bias is O(1/N). Costs N^2 d operations; rows are split
   * over the common fork-join pool, and the terms are summed in index order, so the result does not
   * depend on the number of threads.
   *
   * @param mean E_q[z|x_n], [N, d]
   * @param logVariance log Var_q[z|x_n], [N, d]
   * @param z one draw z_i ~ q(z|x_i) per row, [N, d]
   * @return the estimate and the standard error of the mean of its N terms, nats
   */
  public static Estimate aggregate(FloatTensor mean, FloatTensor logVariance, FloatTensor z) {
    int n = check(mean, logVariance, z);
    int d = mean.rowSize();
    Posteriors q = new Posteriors(mean.data(), logVariance.data(), n, d);
    float[] zs = z.data();
    double logN = Math.log(n);
    double[] terms = new double[n];
    IntStream.range(0, (n + BLOCK - 1) / BLOCK)
        .parallel()
        .forEach(
            block -> {
              double[] logDensities = new double[n];
              for (int i = block * BLOCK; i < Math.min(n, (block + 1) * BLOCK); i++) {
                q.logDensities(zs, i * d, 0, n, logDensities);
                terms[i] = logDensities[i] - (logSumExp(logDensities, n) - logN);
              }
            });
    return Estimate.ofSamples(terms);
  }

  /**
   * The minibatch estimator of He, Spokoyny, Neubig and Berg-Kirkpatrick 2019 ("Lagging Inference
   * Networks and Posterior Collapse in Variational Autoencoders", {@code calc_mi}): within each
   * batch B of consecutive examples,
   *
   * <pre>I_B = (1/|B|) sum_{i in B} [-H(q(z|x_i)) - log (1/|B|) sum_{n in B} q(z_i|x_n)]</pre>
   *
   * with the Gaussian entropy in closed form, averaged over batches weighted by their size. Each
   * batch's estimate is capped near log |B|, so it is biased low when I(x;z) is not small against
   * log of the batch size; report the batch size with it.
   *
   * @param batchSize examples per batch, >= 1 (the last batch may be smaller)
   */
  public static double minibatch(
      FloatTensor mean, FloatTensor logVariance, FloatTensor z, int batchSize) {
    int n = check(mean, logVariance, z);
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    int d = mean.rowSize();
    Posteriors q = new Posteriors(mean.data(), logVariance.data(), n, d);
    float[] lv = logVariance.data();
    float[] zs = z.data();
    double total = 0;
    double[] logDensities = new double[Math.min(batchSize, n)];
    for (int start = 0; start < n; start += batchSize) {
      int end = Math.min(n, start + batchSize);
      int size = end - start;
      double negEntropy = 0;
      double logQz = 0;
      for (int i = start; i < end; i++) {
        double sumLogVar = 0;
        for (int c = 0; c < d; c++) {
          sumLogVar += lv[i * d + c];
        }
        negEntropy += -0.5 * d * LOG_2PI - 0.5 * (d + sumLogVar);
        q.logDensities(zs, i * d, start, end, logDensities);
        logQz += logSumExp(logDensities, size) - Math.log(size);
      }
      total += negEntropy - logQz;
    }
    return total / n;
  }

  private static int check(FloatTensor mean, FloatTensor logVariance, FloatTensor z) {
    if (mean.rank() != 2
        || !java.util.Arrays.equals(mean.shape(), logVariance.shape())
        || !java.util.Arrays.equals(mean.shape(), z.shape())) {
      throw new IllegalArgumentException(
          "mean, logVariance and z must all be [N, d], got " + mean + logVariance + z);
    }
    int n = (int) mean.dim(0);
    if (n < 1) {
      throw new IllegalArgumentException("mutual information needs at least one example");
    }
    return n;
  }

  static double logSumExp(double[] a, int length) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < length; i++) {
      max = Math.max(max, a[i]);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int i = 0; i < length; i++) {
      sum += Math.exp(a[i] - max);
    }
    return max + Math.log(sum);
  }

  /** N diagonal Gaussians, with their inverse variances and normalizers precomputed. */
  private static final class Posteriors {
    private final float[] mean;
    private final double[] inverseVariance;
    private final double[] logNormalizer;
    private final int d;

    Posteriors(float[] mean, float[] logVariance, int n, int d) {
      this.mean = mean;
      this.d = d;
      this.inverseVariance = new double[n * d];
      this.logNormalizer = new double[n];
      for (int r = 0; r < n; r++) {
        double sumLogVar = 0;
        for (int c = 0; c < d; c++) {
          double lv = logVariance[r * d + c];
          sumLogVar += lv;
          inverseVariance[r * d + c] = Math.exp(-lv);
        }
        logNormalizer[r] = -0.5 * (d * LOG_2PI + sumLogVar);
      }
    }

    /** out[n - from] = log q(z | x_n) for n in [from, to), z = zs[offset, offset + d). */
    void logDensities(float[] zs, int offset, int from, int to, double[] out) {
      for (int r = from; r < to; r++) {
        double quad = 0;
        int base = r * d;
        for (int c = 0; c < d; c++) {
          double diff = zs[offset + c] - mean[base + c];
          quad += diff * diff * inverseVariance[base + c];
        }
        out[r - from] = logNormalizer[r] - 0.5 * quad;
      }
    }
  }
}
