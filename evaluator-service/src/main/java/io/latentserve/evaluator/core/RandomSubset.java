package io.latentserve.evaluator.core;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A seeded uniform random subset of example indices, e.g. the examples whose posterior draws the
 * MMD compares with the prior. The first m examples in dataset order would be a biased sample
 * wherever the order means something (MNIST's files are grouped by writer; many data sets are
 * sorted by class).
 */
public final class RandomSubset {
  private RandomSubset() {}

  /**
   * {@code m} distinct indices of {@code [0, n)}, each subset equally likely, ascending; the same
   * for the same arguments.
   *
   * @throws IllegalArgumentException unless {@code 0 <= m <= n}
   */
  public static int[] choose(int n, int m, long seed) {
    if (m < 0 || m > n) {
      throw new IllegalArgumentException("subset of " + m + " from " + n + " examples");
    }
    // Floyd's algorithm would avoid the O(n) array; n here is already held in memory many times.
    int[] indices = new int[n];
    for (int i = 0; i < n; i++) {
      indices[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < m; i++) {
      int j = i + random.nextInt(n - i);
      int t = indices[i];
      indices[i] = indices[j];
      indices[j] = t;
    }
    int[] chosen = Arrays.copyOf(indices, m);
    Arrays.sort(chosen);
    return chosen;
  }
}
