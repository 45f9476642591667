package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LayerDistribution;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Estimators of the mutual information I(x;z) between the data and a latent layer of any {@link
 * LatentFamily} under the encoder's joint q(x, z) = p_data(x) q(z|x), with p_data uniform over the
 * N evaluation examples; densities are the family's {@link LatentFamily#logDensity} (for a Gaussian
 * layer in an equivalent vectorized form).
 *
 * <p>For a hierarchical encoder that is a Markov chain x -> z1 -> z2 -> ..., the upper layers
 * depend on x only through z1, so I(x; z1, ..., zL) = I(x; z1): estimating it on layer 1, whose
 * posterior q(z1|x) is exactly a member of its family, covers every layer together. Each upper
 * layer's own I(x; z_l) <= I(x; z1) is estimated by {@link #aggregateMixture}.
 *
 * <p>For a top-down encoder q(z|x) q(y|z, x) (HIT) it is the other way round: the top layer's
 * q(z|x) is exact and goes to {@link #aggregate}, while q(y|x) = E_{q(z|x)} q(y|z, x) is a mixture
 * for {@link #aggregateMixture}. Neither layer alone gives I(x; y, z) there: I(x; z) and I(x; y)
 * bound it from below, R_y + R_z from above. Which layer is exact is the model's {@code
 * InferenceStructure#conditionedOnDataOnly}; the estimators here take whichever they are given.
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
    check(mean, logVariance, z);
    return aggregate(LayerDistribution.gaussian("z", mean, logVariance, Optional.of(z)));
  }

  /**
   * {@link #aggregate(FloatTensor, FloatTensor, FloatTensor)} for a layer of any family.
   *
   * @param q q(z|x_n) for every example n, with one draw z_i ~ q(z|x_i) per row as its sample
   */
  public static Estimate aggregate(LayerDistribution q) {
    int n = check(q);
    int d = q.dim();
    RowDensities densities = RowDensities.of(q);
    float[] zs = q.sample().orElseThrow().data();
    double logN = Math.log(n);
    double[] terms = new double[n];
    IntStream.range(0, (n + BLOCK - 1) / BLOCK)
        .parallel()
        .forEach(
            block -> {
              double[] logDensities = new double[n];
              for (int i = block * BLOCK; i < Math.min(n, (block + 1) * BLOCK); i++) {
                densities.logDensities(zs, i * d, 0, n, logDensities);
                terms[i] = logDensities[i] - (logSumExp(logDensities, n) - logN);
              }
            });
    return Estimate.ofSamples(terms);
  }

  /**
   * The aggregate estimator of I(x; z_l) for a layer above the first, whose posterior q(z_l|x) =
   * E_{q(z_{l-1}|x)}[q(z_l|z_{l-1})] has no closed form: each density q(z|x_n) is replaced by the
   * mixture of the layer's conditionals over S posterior draws of the layers below (a nested Monte
   * Carlo estimate, biased low for finite S like the log of any sample mean):
   *
   * <pre>I ~ (1/N) sum_i [log (1/S) sum_s q(z_i|c_is) - log (1/NS) sum_n sum_s q(z_i|c_ns)]</pre>
   *
   * with z_i drawn from the first draw's conditional, a draw from q(z_l|x_i). The denominator holds
   * the numerator's terms, so every term is at most log N, as for layer 1. Costs S N^2 d.
   *
   * @param draws S >= 1 distributions of the layer for every example n, draw s conditioned on the
   *     s-th draw of the layer below; the first carries the samples z_i
   * @return the estimate and the standard error of the mean of its N terms, nats
   */
  public static Estimate aggregateMixture(List<LayerDistribution> draws) {
    if (draws.isEmpty()) {
      throw new IllegalArgumentException("aggregateMixture needs at least one draw");
    }
    int n = check(draws.get(0));
    int d = draws.get(0).dim();
    int s = draws.size();
    List<RowDensities> densities = new java.util.ArrayList<>();
    for (LayerDistribution q : draws) {
      if (q.rows() != n || q.dim() != d || q.family() != draws.get(0).family()) {
        throw new IllegalArgumentException(
            "every draw must be " + draws.get(0).family().name() + " [" + n + ", " + d + "]");
      }
      densities.add(RowDensities.of(q));
    }
    float[] zs = draws.get(0).sample().orElseThrow().data();
    double logN = Math.log(n);
    double logS = Math.log(s);
    double[] terms = new double[n];
    IntStream.range(0, (n + BLOCK - 1) / BLOCK)
        .parallel()
        .forEach(
            block -> {
              double[] all = new double[n * s];
              double[] own = new double[s];
              double[] row = new double[n];
              for (int i = block * BLOCK; i < Math.min(n, (block + 1) * BLOCK); i++) {
                for (int k = 0; k < s; k++) {
                  densities.get(k).logDensities(zs, i * d, 0, n, row);
                  System.arraycopy(row, 0, all, k * n, n);
                  own[k] = row[i];
                }
                terms[i] = (logSumExp(own, s) - logS) - (logSumExp(all, n * s) - logN - logS);
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
    check(mean, logVariance, z);
    return minibatch(LayerDistribution.gaussian("z", mean, logVariance, Optional.of(z)), batchSize);
  }

  /**
   * {@link #minibatch(FloatTensor, FloatTensor, FloatTensor, int)} for a layer of any family: the
   * entropy in closed form for a Gaussian layer, else by its one-sample unbiased estimate -H(q(z|
   * x_i)) ~ log q(z_i|x_i) at the row's own draw.
   *
   * @param q q(z|x_n) for every example n, with one draw z_i ~ q(z|x_i) per row as its sample
   */
  public static double minibatch(LayerDistribution q, int batchSize) {
    int n = check(q);
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    int d = q.dim();
    RowDensities densities = RowDensities.of(q);
    float[] zs = q.sample().orElseThrow().data();
    double total = 0;
    double[] logDensities = new double[Math.min(batchSize, n)];
    for (int start = 0; start < n; start += batchSize) {
      int end = Math.min(n, start + batchSize);
      int size = end - start;
      double negEntropy = 0;
      double logQz = 0;
      for (int i = start; i < end; i++) {
        negEntropy += densities.negativeEntropy(i, zs, i * d);
        densities.logDensities(zs, i * d, start, end, logDensities);
        logQz += logSumExp(logDensities, size) - Math.log(size);
      }
      total += negEntropy - logQz;
    }
    return total / n;
  }

  /**
   * The kernel-density estimator of LagVAE's evaluation (Zhao, Song and Ermon 2018, with the KDE of
   * ermongroup/lag-fairness): with q(z) replaced by a {@link GaussianKde} fitted to one draw per
   * example of a fit set,
   *
   * <pre>I ~ (1/N) sum_i [log q(z_i|x_i) - log KDE(z_i)],   z_i ~ q(z|x_i)</pre>
   *
   * <p>Unlike {@link #aggregate}, it is not capped at log N. When the KDE was fitted independently
   * of the draws z_i (another split) it is biased high: E[-log KDE(z)] under q(z) is the
   * cross-entropy of q(z) and the KDE, at least q(z)'s entropy, so the estimate exceeds I_q(x;z) by
   * KL(q(z) || KDE) >= 0 in expectation; Scott's bandwidth oversmooths, and the excess grows with
   * d. Costs N n d for a fit set of n.
   *
   * @param q q(z|x_i) of every evaluated example, with one draw z_i per row as its sample; a
   *     continuous family (a density, not a probability mass, so that it compares with the KDE's)
   * @param kde fitted to draws of the same layer
   * @return the estimate and the standard error of the mean of its N terms, nats
   */
  public static Estimate kernelDensity(LayerDistribution q, GaussianKde kde) {
    int n = check(q);
    if (q.family() != LatentFamily.GAUSSIAN) {
      throw new IllegalArgumentException(
          "the KDE estimator needs a continuous layer, " + q.layer() + " is " + q.family().name());
    }
    if (q.dim() != kde.dim()) {
      throw new IllegalArgumentException(
          "layer " + q.layer() + " has " + q.dim() + " units, the KDE " + kde.dim());
    }
    FloatTensor z = q.sample().orElseThrow();
    double[] logKde = kde.logDensities(z);
    double[] logQ = new double[n];
    RowDensities densities = RowDensities.of(q);
    float[] zs = z.data();
    int d = q.dim();
    double[] own = new double[1];
    for (int i = 0; i < n; i++) {
      densities.logDensities(zs, i * d, i, i + 1, own);
      logQ[i] = own[0];
    }
    double[] terms = new double[n];
    for (int i = 0; i < n; i++) {
      terms[i] = logQ[i] - logKde[i];
    }
    return Estimate.ofSamples(terms);
  }

  /**
   * HIT's class-wise aggregate-posterior estimator of I(z; label) (Xiao and Bamler 2023, {@code
   * utils_eval.py}): with one draw z_i ~ q(z|x_i) per example and c_i its label,
   *
   * <pre>I ~ (1/N) sum_i [log (1/N_c) sum_{j: c_j = c_i} q(z_i|x_j) - log (1/N) sum_j q(z_i|x_j)]
   * </pre>
   *
   * the log-ratio of the class-conditional aggregate posterior to the whole aggregate, at draws of
   * the class-conditional aggregate. Each term is at most log(N / N_c), so the estimate cannot
   * exceed the labels' empirical entropy H(label). For a layer above the first, q(z|x_j) is the
   * mixture over S draws of the layers below (as in {@link #aggregateMixture}). Costs S N^2 d.
   *
   * @param draws S >= 1 distributions of the layer for every example n, the first carrying the
   *     samples z_i; one for layer 1, whose posterior is exact
   * @param labels [N] class labels in [0, classes)
   * @param classes K >= 1
   * @return the estimate and the standard error of the mean of its N terms, nats
   */
  public static Estimate labelAggregate(List<LayerDistribution> draws, int[] labels, int classes) {
    if (draws.isEmpty()) {
      throw new IllegalArgumentException("labelAggregate needs at least one draw");
    }
    int n = check(draws.get(0));
    int d = draws.get(0).dim();
    int s = draws.size();
    if (labels.length != n) {
      throw new IllegalArgumentException(labels.length + " labels for " + n + " examples");
    }
    int[] counts = new int[classes];
    for (int label : labels) {
      if (label < 0 || label >= classes) {
        throw new IllegalArgumentException("labels must be in [0, " + classes + "), got " + label);
      }
      counts[label]++;
    }
    List<RowDensities> densities = new java.util.ArrayList<>();
    for (LayerDistribution q : draws) {
      if (q.rows() != n || q.dim() != d || q.family() != draws.get(0).family()) {
        throw new IllegalArgumentException(
            "every draw must be " + draws.get(0).family().name() + " [" + n + ", " + d + "]");
      }
      densities.add(RowDensities.of(q));
    }
    float[] zs = draws.get(0).sample().orElseThrow().data();
    double logN = Math.log(n);
    double[] terms = new double[n];
    IntStream.range(0, (n + BLOCK - 1) / BLOCK)
        .parallel()
        .forEach(
            block -> {
              double[][] rows = new double[s][n];
              double[] classSums = new double[classes];
              for (int i = block * BLOCK; i < Math.min(n, (block + 1) * BLOCK); i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < s; k++) {
                  densities.get(k).logDensities(zs, i * d, 0, n, rows[k]);
                  for (int j = 0; j < n; j++) {
                    max = Math.max(max, rows[k][j]);
                  }
                }
                java.util.Arrays.fill(classSums, 0);
                double total = 0;
                for (int k = 0; k < s; k++) {
                  for (int j = 0; j < n; j++) {
                    double w = Math.exp(rows[k][j] - max);
                    classSums[labels[j]] += w;
                    total += w;
                  }
                }
                int c = labels[i];
                // The S normalizers cancel; what is left is log(N / N_c) + log(class / total).
                terms[i] = Math.log(classSums[c]) - Math.log(total) + logN - Math.log(counts[c]);
              }
            });
    return Estimate.ofSamples(terms);
  }

  /** The empirical entropy of the labels, nats: the ceiling of {@link #labelAggregate}. */
  public static double labelEntropy(int[] labels, int classes) {
    int[] counts = new int[classes];
    for (int label : labels) {
      counts[label]++;
    }
    double h = 0;
    for (int count : counts) {
      if (count > 0) {
        double p = count / (double) labels.length;
        h -= p * Math.log(p);
      }
    }
    return h;
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

  private static int check(LayerDistribution q) {
    if (q.sample().isEmpty()) {
      throw new IllegalArgumentException("layer " + q.layer() + " needs one draw per row");
    }
    if (!java.util.Arrays.equals(q.sample().get().shape(), q.parameters().get(0).shape())) {
      throw new IllegalArgumentException(
          "layer " + q.layer() + ": the draws must be [N, d] like the parameters");
    }
    int n = q.rows();
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

  /** log q(z|x_n) of N posteriors at given z, and each posterior's negative entropy. */
  private interface RowDensities {
    /** out[n - from] = log q(z | x_n) for n in [from, to), z = zs[offset, offset + d). */
    void logDensities(float[] zs, int offset, int from, int to, double[] out);

    /** -H(q(z|x_i)), or an unbiased estimate of it from the draw z = zs[offset, offset + d). */
    double negativeEntropy(int i, float[] zs, int offset);

    static RowDensities of(LayerDistribution q) {
      if (q.family() == LatentFamily.GAUSSIAN) {
        return new Posteriors(q.mean().data(), q.logVariance().data(), q.rows(), q.dim());
      }
      return new FamilyRows(q);
    }
  }

  /** Any family through {@link LatentFamily#logDensity}, each row's parameters widened once. */
  private static final class FamilyRows implements RowDensities {
    private final LatentFamily family;
    private final double[][][] parameters;
    private final int d;

    FamilyRows(LayerDistribution q) {
      this.family = q.family();
      this.d = q.dim();
      this.parameters = new double[q.rows()][][];
      for (int r = 0; r < parameters.length; r++) {
        parameters[r] = q.row(r);
      }
    }

    @Override
    public void logDensities(float[] zs, int offset, int from, int to, double[] out) {
      double[] z = row(zs, offset);
      for (int r = from; r < to; r++) {
        out[r - from] = family.logDensity(z, parameters[r]);
      }
    }

    @Override
    public double negativeEntropy(int i, float[] zs, int offset) {
      return family.logDensity(row(zs, offset), parameters[i]);
    }

    private double[] row(float[] zs, int offset) {
      double[] z = new double[d];
      for (int c = 0; c < d; c++) {
        z[c] = zs[offset + c];
      }
      return z;
    }
  }

  /** N diagonal Gaussians, with their inverse variances and normalizers precomputed. */
  private static final class Posteriors implements RowDensities {
    private final float[] mean;
    private final float[] logVariance;
    private final double[] inverseVariance;
    private final double[] logNormalizer;
    private final int d;

    Posteriors(float[] mean, float[] logVariance, int n, int d) {
      this.mean = mean;
      this.logVariance = logVariance;
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

    /** The closed form -0.5 (d log 2 pi + d + sum_c logvar_c). */
    @Override
    public double negativeEntropy(int i, float[] zs, int offset) {
      double sumLogVar = 0;
      for (int c = 0; c < d; c++) {
        sumLogVar += logVariance[i * d + c];
      }
      return -0.5 * d * LOG_2PI - 0.5 * (d + sumLogVar);
    }

    @Override
    public void logDensities(float[] zs, int offset, int from, int to, double[] out) {
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
