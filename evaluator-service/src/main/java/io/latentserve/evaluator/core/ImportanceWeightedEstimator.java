package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The importance-weighted estimate of log p(x) (Burda, Grosse and Salakhutdinov 2015, "Importance
 * Weighted Autoencoders", eq. 8 with k = 5000 for the test log-likelihood):
 *
 * <pre>log p(x) ~ log (1/k) sum_{j=1..k} w_j,   w_j = p(x, z_j) / q(z_j|x),   z_j ~ q(z|x)</pre>
 *
 * <p>Per example it keeps a streaming log-mean-exp of the weights (never exponentiating a raw log
 * weight), the estimate from the first k' samples for every k' of {@link #curveKs(int)} (the IWAE
 * bound is non-decreasing in k in expectation, so the curve shows how far the bound is from
 * converging), and the effective sample size (sum w)^2 / sum w^2 (Kong 1992; 1 means one sample
 * carries all the weight, k means uniform weights). With the components log p(x|z), log p(z) and
 * log q(z|x) it also gives the ELBO E_q[log w] (Kingma and Welling 2014), the distortion E_q[-log
 * p(x|z)] and the total rate E_q[log q(z|x) - log p(z)] (Alemi et al. 2018, "Fixing a Broken
 * ELBO"), each averaged over all k samples.
 *
 * <p>Results are stored per example index, and every mean is taken in index order, so rows can be
 * added in any order and from several threads (each row once; publish with a happens-before edge
 * such as {@code Future.get}) and still give bit-identical results.
 */
public final class ImportanceWeightedEstimator {
  /** The sample counts of the IW-LL curve (those not above k, and k itself). */
  public static final List<Integer> CURVE_KS = List.of(1, 5, 50, 500, 5000);

  private final int examples;
  private final int k;
  private final int[] curveKs;
  private final double[][] curve;
  private final double[] effectiveSampleSize;
  private final double[] elbo;
  private final double[] distortion;
  private final double[] rate;
  private final boolean[] seen;
  private final boolean[] withComponents;

  /**
   * @param examples N, the number of examples that will be added, >= 1
   * @param k samples per example, >= 1
   */
  public ImportanceWeightedEstimator(int examples, int k) {
    if (examples < 1 || k < 1) {
      throw new IllegalArgumentException(
          "examples and k must be >= 1, got " + examples + " and " + k);
    }
    this.examples = examples;
    this.k = k;
    this.curveKs = curveKs(k);
    this.curve = new double[curveKs.length][examples];
    this.effectiveSampleSize = new double[examples];
    this.elbo = new double[examples];
    this.distortion = new double[examples];
    this.rate = new double[examples];
    this.seen = new boolean[examples];
    this.withComponents = new boolean[examples];
  }

  /** The ks of the curve for a run with k samples: those of {@link #CURVE_KS} below k, then k. */
  public static int[] curveKs(int k) {
    List<Integer> ks = new ArrayList<>();
    for (int c : CURVE_KS) {
      if (c < k) {
        ks.add(c);
      }
    }
    ks.add(k);
    return ks.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * Adds all k weights of rows {@code [firstRow, firstRow + N)}.
   *
   * @param firstRow index of the first row in the evaluation set
   * @param weights [N, k] log weights, in sample order, with or without components
   */
  public void add(int firstRow, ImportanceWeights weights) {
    int n = weights.rows();
    if (weights.samples() != k) {
      throw new IllegalArgumentException(
          "expected " + k + " samples per row, got " + weights.samples());
    }
    if (firstRow < 0 || firstRow + n > examples) {
      throw new IllegalArgumentException(
          "rows [" + firstRow + ", " + (firstRow + n) + ") outside [0, " + examples + ")");
    }
    float[] logW = weights.logWeights().data();
    float[] logPx = weights.logPxGivenZ().map(FloatTensor::data).orElse(null);
    float[] logPz = weights.logPz().map(FloatTensor::data).orElse(null);
    float[] logQz = weights.logQzGivenX().map(FloatTensor::data).orElse(null);
    for (int r = 0; r < n; r++) {
      int row = firstRow + r;
      int base = r * k;
      LogMeanExp weightsMean = new LogMeanExp();
      LogMeanExp squaresSum = new LogMeanExp();
      int next = 0;
      double sumLogW = 0;
      for (int j = 0; j < k; j++) {
        double lw = logW[base + j];
        weightsMean.add(lw);
        squaresSum.add(2 * lw);
        sumLogW += lw;
        if (j + 1 == curveKs[next]) {
          curve[next][row] = weightsMean.value();
          next++;
        }
      }
      // ESS = (sum w)^2 / sum w^2, in logs: 2 LSE(log w) - LSE(2 log w).
      effectiveSampleSize[row] = Math.exp(2 * weightsMean.logSumExp() - squaresSum.logSumExp());
      elbo[row] = sumLogW / k;
      if (logPx != null) {
        double d = 0;
        double r2 = 0;
        for (int j = 0; j < k; j++) {
          d -= logPx[base + j];
          r2 += logQz[base + j] - logPz[base + j];
        }
        distortion[row] = d / k;
        rate[row] = r2 / k;
        withComponents[row] = true;
      }
      seen[row] = true;
    }
  }

  private void checkComplete() {
    for (int i = 0; i < examples; i++) {
      if (!seen[i]) {
        throw new IllegalStateException("example " + i + " has no weights yet");
      }
    }
  }

  private void checkComponents() {
    checkComplete();
    for (int i = 0; i < examples; i++) {
      if (!withComponents[i]) {
        throw new IllegalStateException("example " + i + " was added without components");
      }
    }
  }

  /** Samples per example. */
  public int k() {
    return k;
  }

  /** Mean IW-LL over examples with all k samples and its standard error, nats. */
  public Estimate logLikelihood() {
    checkComplete();
    return Estimate.ofSamples(curve[curve.length - 1]);
  }

  /** Per-example IW-LL with all k samples, nats, [N]. */
  public double[] perExampleLogLikelihood() {
    checkComplete();
    return curve[curve.length - 1].clone();
  }

  /** The IW-LL with the first k' samples, for every k' of {@link #curveKs(int)}. */
  public List<IwllPoint> curve() {
    checkComplete();
    List<IwllPoint> points = new ArrayList<>();
    for (int c = 0; c < curveKs.length; c++) {
      points.add(new IwllPoint(curveKs[c], Estimate.ofSamples(curve[c])));
    }
    return List.copyOf(points);
  }

  /** Per-example effective sample size (sum w)^2 / sum w^2, in [1, k], [N]. */
  public double[] effectiveSampleSizes() {
    checkComplete();
    return effectiveSampleSize.clone();
  }

  /** Mean of {@link #effectiveSampleSizes()}. */
  public double meanEffectiveSampleSize() {
    return Estimate.ofSamples(effectiveSampleSizes()).value();
  }

  /** ELBO E_q[log p(x, z) - log q(z|x)], averaged over the k samples, nats. */
  public Estimate elbo() {
    checkComplete();
    return Estimate.ofSamples(elbo);
  }

  /** Distortion E_q[-log p(x|z)], nats; needs components. */
  public Estimate distortion() {
    checkComponents();
    return Estimate.ofSamples(distortion);
  }

  /** Total rate E_q[log q(z|x) - log p(z)], nats; needs components. */
  public Estimate rate() {
    checkComponents();
    return Estimate.ofSamples(rate);
  }
}
