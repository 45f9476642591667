package io.latentserve.datasets;

/**
 * CPython's {@code random.Random} for integer seeds, as far as {@code shuffle} needs it: the
 * MT19937 generator seeded by {@code init_by_array} with the 32-bit words of |seed|, {@code
 * getrandbits(k)} for k <= 32 and {@code _randbelow} by rejection. It exists so that the published
 * mnist-10k split ({@code random.Random(20181).shuffle}) can be rebuilt bit for bit.
 */
final class PythonRandom {
  private static final int N = 624;
  private static final int M = 397;

  private final int[] mt = new int[N];
  private int index = N + 1;

  /** Seeds like {@code random.Random(seed)}; Python uses the absolute value. */
  PythonRandom(long seed) {
    long magnitude = Math.abs(seed);
    int[] key =
        (magnitude >>> 32) == 0
            ? new int[] {(int) magnitude}
            : new int[] {(int) magnitude, (int) (magnitude >>> 32)};
    initByArray(key);
  }

  private void initGenrand(int s) {
    mt[0] = s;
    for (int i = 1; i < N; i++) {
      mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }
    index = N;
  }

  private void initByArray(int[] key) {
    initGenrand(19650218);
    int i = 1;
    int j = 0;
    for (int k = Math.max(N, key.length); k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) {
        j = 0;
      }
    }
    for (int k = N - 1; k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** The next raw 32-bit output, as {@code genrand_uint32} (unsigned in the int's bits). */
  int nextInt32() {
    if (index >= N) {
      for (int k = 0; k < N; k++) {
        int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) == 0 ? 0 : 0x9908b0df);
      }
      index = 0;
    }
    int y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  /** {@code getrandbits(k)} for 1 <= k <= 31. */
  int getRandBits(int k) {
    if (k < 1 || k > 31) {
      throw new IllegalArgumentException("k must be in [1, 31], got " + k);
    }
    return nextInt32() >>> (32 - k);
  }

  /**
   * {@code _randbelow(n)}: uniform in [0, n) by rejection of {@code getrandbits(bit_length(n))}.
   */
  int randBelow(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be > 0, got " + n);
    }
    int k = 32 - Integer.numberOfLeadingZeros(n);
    int r = getRandBits(k);
    while (r >= n) {
      r = getRandBits(k);
    }
    return r;
  }

  /** {@code shuffle(x)}: Fisher-Yates from the end, as CPython does it. */
  void shuffle(int[] x) {
    for (int i = x.length - 1; i > 0; i--) {
      int j = randBelow(i + 1);
      int t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
  }
}
