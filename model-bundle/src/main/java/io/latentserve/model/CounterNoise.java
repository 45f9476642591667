package io.latentserve.model;

/**
 * Counter-based standard-normal and uniform noise: the value at (seed, stream, row, index) is a
 * pure function of those four numbers. Requests can therefore be split, batched and chunked in any
 * way, on any replica, and still see the same noise: row i of a request uses row number {@code
 * firstRow + i}, and sample j of latent coordinate c uses index {@code j * totalLatentDim + offset
 * + c}.
 *
 * <p>Bits come from the SplitMix64 finalizer over the counter; normals from the Box-Muller
 * transform of two 32-bit uniforms, so that even and odd indices share one hash.
 */
public final class CounterNoise {
  /** Noise streams, so that different uses of the same (seed, row) never share numbers. */
  public enum Stream {
    /** Reparameterization noise eps of latent samples z = mean + sigma * eps. */
    LATENT(1),
    /** Prior draws z ~ N(0, I) in Sample. */
    PRIOR(2),
    /** Draws of x from p(x|z). */
    OBSERVATION(3),
    /** Dynamic binarization of data sets. */
    BINARIZATION(4);

    final long id;

    Stream(long id) {
      this.id = id;
    }
  }

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final double TWO_POW_MINUS_32 = 1.0 / 4294967296.0;

  private CounterNoise() {}

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The key of one row's noise sequence. */
  public static long rowKey(long seed, Stream stream, long row) {
    return mix(mix(seed + GOLDEN * stream.id) + GOLDEN * (row + 1));
  }

  /**
   * Fills {@code dst[offset, offset + length)} with N(0, 1) draws number {@code firstIndex...} of a
   * row.
   */
  public static void gaussian(long rowKey, long firstIndex, float[] dst, int offset, int length) {
    long index = firstIndex;
    int i = offset;
    int end = offset + length;
    if ((index & 1) == 1 && i < end) {
      dst[i++] = (float) pairValue(rowKey, index >>> 1, true);
      index++;
    }
    while (i + 1 < end) {
      long bits = mix(rowKey + GOLDEN * (index >>> 1));
      double u1 = ((bits >>> 32) + 1) * TWO_POW_MINUS_32; // (0, 1]: log is finite
      double u2 = (bits & 0xFFFFFFFFL) * TWO_POW_MINUS_32;
      double r = Math.sqrt(-2 * Math.log(u1));
      double theta = 2 * Math.PI * u2;
      dst[i++] = (float) (r * Math.cos(theta));
      dst[i++] = (float) (r * Math.sin(theta));
      index += 2;
    }
    if (i < end) {
      dst[i] = (float) pairValue(rowKey, index >>> 1, false);
    }
  }

  private static double pairValue(long rowKey, long pair, boolean second) {
    long bits = mix(rowKey + GOLDEN * pair);
    double u1 = ((bits >>> 32) + 1) * TWO_POW_MINUS_32;
    double u2 = (bits & 0xFFFFFFFFL) * TWO_POW_MINUS_32;
    double r = Math.sqrt(-2 * Math.log(u1));
    double theta = 2 * Math.PI * u2;
    return second ? r * Math.sin(theta) : r * Math.cos(theta);
  }

  /** A uniform draw in [0, 1) at {@code index} of a row. */
  public static double uniform(long rowKey, long index) {
    return (mix(rowKey + GOLDEN * (index + 0x5851F42D4C957F2DL)) >>> 11) * 0x1.0p-53;
  }
}
