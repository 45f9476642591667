package io.latentserve.model;

/**
 * An estimate of the log partition function log Z of an {@link Rbm} prior, nats, and how it was
 * obtained. log p(z) = -E(z) - logZ, so an error of log Z shifts every log p(z), every log p(x)
 * estimate and every test log-likelihood by the same amount.
 *
 * @param logZ the estimate, nats
 * @param standardError its standard error, nats (0 for an exact value); see {@link RbmAis} for how
 *     AIS computes it
 * @param method {@link #EXACT} (enumeration) or {@link #AIS}
 * @param temperatures AIS inverse temperatures (0 for exact)
 * @param chains AIS chains (0 for exact)
 * @param seed the AIS seed (0 for exact)
 */
public record LogPartition(
    double logZ, double standardError, String method, int temperatures, int chains, long seed) {

  /** Exact enumeration over one half of the units. */
  public static final String EXACT = "exact";

  /** Annealed importance sampling from the uniform distribution. */
  public static final String AIS = "ais";

  public LogPartition {
    if (!Double.isFinite(logZ)) {
      throw new IllegalArgumentException("logZ must be finite, got " + logZ);
    }
    if (!(standardError >= 0) || Double.isInfinite(standardError)) {
      throw new IllegalArgumentException(
          "standardError must be finite and >= 0, got " + standardError);
    }
    if (EXACT.equals(method)) {
      if (temperatures != 0 || chains != 0 || standardError != 0) {
        throw new IllegalArgumentException(
            "an exact log Z has no temperatures, chains or standard error, got "
                + temperatures
                + ", "
                + chains
                + ", "
                + standardError);
      }
    } else if (AIS.equals(method)) {
      if (temperatures < 1 || chains < 2) {
        throw new IllegalArgumentException(
            "an AIS log Z needs temperatures >= 1 and chains >= 2, got "
                + temperatures
                + " and "
                + chains);
      }
    } else {
      throw new IllegalArgumentException(
          "method must be \"" + EXACT + "\" or \"" + AIS + "\", got " + method);
    }
  }

  /** An exact value. */
  public static LogPartition exact(double logZ) {
    return new LogPartition(logZ, 0, EXACT, 0, 0, 0);
  }
}
