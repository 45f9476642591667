package io.latentserve.model;

import java.util.stream.IntStream;

/**
 * log Z of an {@link Rbm} by annealed importance sampling (Neal 2001; Salakhutdinov and Murray
 * 2008), our own replacement for the DVAE# code's use of a proprietary sampler.
 *
 * <p><b>Path.</b> p_k(z) proportional to f_k(z) = exp(-beta_k E(z)) with linear inverse
 * temperatures beta_k = k / K, k = 0..K ({@code temperatures} = K): p_0 is the uniform distribution
 * over the 2^n states (Z_0 = 2^n, log Z_0 = n log 2), p_K the RBM.
 *
 * <p><b>Chains.</b> Each of C independent chains starts with z ~ p_0 and, for k = 1..K, adds log
 * f_k(z) - log f_{k-1}(z) = -(beta_k - beta_{k-1}) E(z) to its log weight, then (for k < K) moves z
 * by one block Gibbs sweep that leaves p_k invariant ({@link RbmChains}). Chain c draws its noise
 * from the key {@code CounterNoise.rowKey(Seeds.derive(seed, 1, 0), PRIOR, c)}, so a seed fixes the
 * estimate whatever the number of threads.
 *
 * <p><b>Estimate.</b> With log weights a_c, m = max_c a_c and w_c = exp(a_c - m):
 *
 * <pre>log Z = log Z_0 + m + log(mean_c w_c)</pre>
 *
 * the log of the unbiased estimate of Z (the log-mean-exp of the chains' log weights).
 *
 * <p><b>Standard error</b>, by the delta method: the relative standard error of the mean weight,
 * s_w / (sqrt(C) mean_c w_c), where s_w is the sample standard deviation of the w_c (divisor C -
 * 1). Since d log(mean) = d mean / mean, this is the first-order standard error of log Z. It
 * measures only the spread the chains show: when the weights are heavy-tailed (too few temperatures
 * for the RBM), the largest weights are rarely seen and both the estimate (biased low, as the log
 * of an unbiased estimate is) and the SE are too small; a second seed or more temperatures reveal
 * it.
 */
public final class RbmAis {
  /** Seeds purpose of the chains' noise. */
  private static final long PURPOSE_CHAINS = 1;

  /** Chains per parallel task. */
  private static final int BLOCK = 16;

  private RbmAis() {}

  /**
   * AIS settings.
   *
   * @param temperatures K, the number of inverse temperatures after beta_0 = 0, >= 1
   * @param chains C independent chains, >= 2
   * @param seed the seed of every draw
   */
  public record Settings(int temperatures, int chains, long seed) {
    /** The DVAE# evaluation's settings: 1000 temperatures, 1024 chains. */
    public static final int DEFAULT_TEMPERATURES = 1000;

    public static final int DEFAULT_CHAINS = 1024;

    public Settings {
      if (temperatures < 1 || temperatures > 1_000_000) {
        throw new IllegalArgumentException(
            "AIS temperatures must be in [1, 1000000], got " + temperatures);
      }
      if (chains < 2 || chains > 1_000_000) {
        throw new IllegalArgumentException("AIS chains must be in [2, 1000000], got " + chains);
      }
    }

    /** The default temperatures and chains with {@code seed}. */
    public static Settings defaults(long seed) {
      return new Settings(DEFAULT_TEMPERATURES, DEFAULT_CHAINS, seed);
    }
  }

  /**
   * The estimate and the chains' log weights.
   *
   * @param logPartition log Z with its standard error and these settings
   * @param logWeights [C] each chain's log weight a_c, nats (log Z_0 not included)
   */
  public record Result(LogPartition logPartition, double[] logWeights) {
    public Result {
      logWeights = logWeights.clone();
    }

    @Override
    public double[] logWeights() {
      return logWeights.clone();
    }
  }

  /** Runs AIS on every core; see the class comment. */
  public static Result run(Rbm rbm, Settings settings) {
    float[] transposed = RbmChains.transpose(rbm);
    int k = settings.temperatures();
    int c = settings.chains();
    long base = Seeds.derive(settings.seed(), PURPOSE_CHAINS, 0);
    double[] logW = new double[c];
    int blocks = (c + BLOCK - 1) / BLOCK;
    IntStream.range(0, blocks)
        .parallel()
        .forEach(
            b -> {
              RbmChains chains = new RbmChains(rbm, transposed, false);
              for (int chain = b * BLOCK; chain < Math.min(c, (b + 1) * BLOCK); chain++) {
                logW[chain] = chainLogWeight(chains, base, chain, k);
              }
            });
    double logZ0 = rbm.units() * Math.log(2);
    double m = Double.NEGATIVE_INFINITY;
    for (double a : logW) {
      m = Math.max(m, a);
    }
    double sum = 0;
    for (double a : logW) {
      sum += Math.exp(a - m);
    }
    double mean = sum / c;
    double squares = 0;
    for (double a : logW) {
      double d = Math.exp(a - m) - mean;
      squares += d * d;
    }
    double se = Math.sqrt(squares / (c - 1) / c) / mean;
    LogPartition estimate =
        new LogPartition(logZ0 + m + Math.log(mean), se, LogPartition.AIS, k, c, settings.seed());
    return new Result(estimate, logW);
  }

  private static double chainLogWeight(RbmChains chains, long base, int chain, int k) {
    long key = CounterNoise.rowKey(base, CounterNoise.Stream.PRIOR, chain);
    chains.uniformStart(key);
    double energy = chains.energy();
    double step = 1.0 / k;
    double logW = 0;
    for (int t = 1; t <= k; t++) {
      logW -= step * energy;
      if (t < k) {
        energy = chains.sweep((double) t / k, key, t);
      }
    }
    return logW;
  }
}
