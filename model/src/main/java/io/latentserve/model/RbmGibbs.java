package io.latentserve.model;

/**
 * Samples z ~ p(z) of an {@link Rbm} by block Gibbs sweeps (z2 | z1, then z1 | z2) from a uniform
 * start, with counter-based noise: row r of a request draws from the key {@code
 * CounterNoise.rowKey(seed, Stream.PRIOR, firstRow + r)}, so the same seed gives the same draws on
 * any replica and in any batch composition (see {@link RbmChains} for the indices). The chains are
 * independent; after {@code sweeps} sweeps each row is a draw of the chain's distribution at that
 * time, which approaches p(z) as sweeps grow (how fast depends on the RBM's coupling).
 */
public final class RbmGibbs {
  private final Rbm rbm;
  private final float[] transposedW;

  public RbmGibbs(Rbm rbm) {
    this.rbm = rbm;
    this.transposedW = RbmChains.transpose(rbm);
  }

  /** The RBM this sampler draws from. */
  public Rbm rbm() {
    return rbm;
  }

  /**
   * Draws {@code rows} samples.
   *
   * @param seed the request's seed
   * @param firstRow the row number of the first sample within the request
   * @param rows samples to draw, >= 0
   * @param sweeps block Gibbs sweeps per sample, >= 1
   * @return [rows, n1 + n2] row-major, values 0 or 1, z1's units first
   */
  public float[] sample(long seed, long firstRow, int rows, int sweeps) {
    if (rows < 0 || sweeps < 1) {
      throw new IllegalArgumentException(
          "rows must be >= 0 and sweeps >= 1, got " + rows + " and " + sweeps);
    }
    int n = rbm.units();
    float[] out = new float[Math.multiplyExact(rows, n)];
    RbmChains chains = new RbmChains(rbm, transposedW, true);
    for (int r = 0; r < rows; r++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.PRIOR, firstRow + r);
      chains.uniformStart(key);
      for (int s = 1; s <= sweeps; s++) {
        chains.sweep(1.0, key, s);
      }
      System.arraycopy(chains.z1, 0, out, r * n, chains.n1);
      System.arraycopy(chains.z2, 0, out, r * n + chains.n1, chains.n2);
    }
    return out;
  }
}
