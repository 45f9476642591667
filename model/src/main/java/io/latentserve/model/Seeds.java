package io.latentserve.model;

/**
 * Independent seeds derived from one seed, one per purpose and index (e.g. the shuffle of epoch 3),
 * by the SplitMix64 finalizer: one seed fixes every random draw of a run, no two uses share a
 * stream, and changing one use never shifts the numbers of another. Each caller names its purposes
 * with fixed numbers: renumbering a purpose changes every number drawn for it.
 */
public final class Seeds {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Seeds() {}

  /** The seed of draw {@code index} of {@code purpose}, a SplitMix64 hash of the three numbers. */
  public static long derive(long seed, long purpose, long index) {
    return mix(mix(seed + GOLDEN * purpose) + GOLDEN * (index + 1));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
