package io.latentserve.model;

/**
 * The exact log partition function of a small {@link Rbm}: log Z = log sum_{h} exp(-F(h)) over the
 * 2^m states h of the smaller half (m = min(n1, n2)), the other half summed out analytically by its
 * free energy F ({@link Rbm#freeEnergyOfFirst}), accumulated by log-sum-exp in double precision.
 * The oracle AIS is tested against.
 */
public final class RbmPartition {
  /** The largest half that is enumerated (2^24 states): beyond it, use {@link RbmAis}. */
  public static final int MAX_ENUMERATED_HALF = 24;

  private RbmPartition() {}

  /**
   * Exact log Z, nats.
   *
   * @throws IllegalArgumentException when both halves have more than {@link #MAX_ENUMERATED_HALF}
   *     units
   */
  public static double exactLogZ(Rbm rbm) {
    Rbm r = rbm.n1() <= rbm.n2() ? rbm : rbm.transposed();
    int m = r.n1();
    if (m > MAX_ENUMERATED_HALF) {
      throw new IllegalArgumentException(
          "exact log Z enumerates 2^min(n1, n2) states; min(n1, n2) = "
              + m
              + " exceeds "
              + MAX_ENUMERATED_HALF);
    }
    double[] h = new double[m];
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (long s = 0; s < (1L << m); s++) {
      for (int i = 0; i < m; i++) {
        h[i] = (s >>> i) & 1;
      }
      double v = -r.freeEnergyOfFirst(h);
      if (v > max) {
        sum = sum * Math.exp(max - v) + 1;
        max = v;
      } else {
        sum += Math.exp(v - max);
      }
    }
    return max + Math.log(sum);
  }

  /** {@link #exactLogZ} as a {@link LogPartition}. */
  public static LogPartition exact(Rbm rbm) {
    return LogPartition.exact(exactLogZ(rbm));
  }

  /**
   * Exact P(z_u = 1) of every unit, [n1 + n2], by enumerating all 2^(n1 + n2) states (tests only).
   */
  public static double[] exactMarginals(Rbm rbm) {
    int n = rbm.units();
    if (n > 22) {
      throw new IllegalArgumentException("exact marginals enumerate 2^n states; n = " + n);
    }
    double logZ = exactLogZ(rbm);
    double[] marginals = new double[n];
    float[] z = new float[n];
    for (long s = 0; s < (1L << n); s++) {
      for (int u = 0; u < n; u++) {
        z[u] = (s >>> u) & 1;
      }
      double p = Math.exp(-rbm.energyAt(z, 0) - logZ);
      for (int u = 0; u < n; u++) {
        marginals[u] += z[u] * p;
      }
    }
    return marginals;
  }
}
