package io.latentserve.trainer.core;

/**
 * Independent seeds derived from a job's seed, one per purpose and index (e.g. the shuffle of epoch
 * 3), by the SplitMix64 finalizer: changing one use never shifts the numbers of another.
 */
final class Seeds {
  static final long SHUFFLE = 1;
  static final long BINARIZATION = 2;
  static final long FINAL_BINARIZATION = 3;
  static final long FINAL_NOISE = 4;
  static final long VALIDATION_BINARIZATION = 5;
  static final long VALIDATION_NOISE = 6;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Seeds() {}

  static long derive(long seed, long purpose, long index) {
    return mix(mix(seed + GOLDEN * purpose) + GOLDEN * (index + 1));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
