package io.latentserve.evaluator.core;

/**
 * Seeds of the evaluation's independent random draws, derived from the request's seed so that one
 * seed fixes every number of an evaluation, and no two uses share a stream.
 */
final class Seeds {
  static final long RATES = 1;
  static final long MMD = 2;
  static final long PREVIEW = 3;

  private Seeds() {}

  /** A seed for draw {@code index} of {@code purpose}, a SplitMix64 hash of the three numbers. */
  static long derive(long seed, long purpose, long index) {
    long z = seed + 0x9E3779B97F4A7C15L * (purpose + 1);
    z = mix(z);
    z = mix(z + 0x9E3779B97F4A7C15L * (index + 1));
    return z;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
