package io.latentserve.model;

/**
 * The noise one latent unit's sample is drawn from, counter-based like all latentserve noise: the
 * draw at (row key, index) is a pure function of the two (see {@link CounterNoise}).
 */
public enum NoiseKind {
  /** eps ~ N(0, 1). */
  STANDARD_NORMAL {
    @Override
    public void fill(long rowKey, long firstIndex, float[] dst, int offset, int length) {
      CounterNoise.gaussian(rowKey, firstIndex, dst, offset, length);
    }
  },
  /**
   * eps ~ Logistic(0, 1), i.e. log u - log(1 - u) for u uniform in (0, 1): 1[l + eps > 0] is a
   * Bernoulli draw with probability sigmoid(l), decided by a comparison in logit space that needs
   * no exponential, so that every backend rounds it alike.
   */
  LOGISTIC {
    @Override
    public void fill(long rowKey, long firstIndex, float[] dst, int offset, int length) {
      CounterNoise.logistic(rowKey, firstIndex, dst, offset, length);
    }
  };

  /**
   * Fills {@code dst[offset, offset + length)} with draws number {@code firstIndex...} of a row.
   */
  public abstract void fill(long rowKey, long firstIndex, float[] dst, int offset, int length);
}
