package io.latentserve.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The parameters of a bipartite restricted Boltzmann machine over n = n1 + n2 binary units, the
 * prior of the DVAE family (Rolfe 2017; Vahdat et al. 2018): p(z) = exp(-E(z)) / Z with energy
 *
 * <pre>E(z) = -b1 . z1 - b2 . z2 - z1 W z2</pre>
 *
 * where z = concat(z1, z2), z1 the first n1 units and z2 the other n2. As a VAE prior ({@link
 * Prior#RBM}) z is the concatenation of every latent layer's units, bottom-up, and n1 = n / 2
 * (rounded down), n2 = n - n1, as in the DVAE code's {@code rbm.py}.
 *
 * <p>Units are 0 or 1; energies are computed in double precision. The log partition function log Z
 * is not part of the parameters: it is estimated ({@link RbmPartition#exact}, {@link RbmAis}) and
 * carried beside them as a {@link LogPartition}.
 *
 * @param b1 biases of z1 [n1]
 * @param b2 biases of z2 [n2]
 * @param w couplings [n1, n2] row-major: w[i * n2 + j] couples z1_i with z2_j
 */
public record Rbm(float[] b1, float[] b2, float[] w) {

  public Rbm {
    if (b1 == null || b2 == null || w == null) {
      throw new IllegalArgumentException("b1, b2 and w are required");
    }
    if (b1.length == 0 || b2.length == 0) {
      throw new IllegalArgumentException(
          "an RBM needs n1 >= 1 and n2 >= 1 units, got n1 " + b1.length + ", n2 " + b2.length);
    }
    if ((long) b1.length * b2.length != w.length) {
      throw new IllegalArgumentException(
          "w must have n1 x n2 = "
              + b1.length
              + " x "
              + b2.length
              + " = "
              + (long) b1.length * b2.length
              + " values, got "
              + w.length);
    }
    b1 = b1.clone();
    b2 = b2.clone();
    w = w.clone();
    checkFinite("b1", b1);
    checkFinite("b2", b2);
    checkFinite("w", w);
  }

  /** An RBM with every parameter zero (the DVAE initialisation): log Z = n log 2. */
  public static Rbm zeros(int n1, int n2) {
    checkSizes(n1, n2);
    return new Rbm(new float[n1], new float[n2], new float[n1 * n2]);
  }

  /**
   * Seeded random parameters, each uniform in [-scale, scale]: the same sizes, scale and seed
   * always give the same RBM (for tests and random-weight bundles).
   */
  public static Rbm random(int n1, int n2, double scale, long seed) {
    checkSizes(n1, n2);
    SplittableRandom random = new SplittableRandom(seed);
    float[] b1 = new float[n1];
    float[] b2 = new float[n2];
    float[] w = new float[n1 * n2];
    for (float[] a : new float[][] {b1, b2, w}) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
      }
    }
    return new Rbm(b1, b2, w);
  }

  /** The size of the first half of an RBM prior over {@code units} units: units / 2. */
  public static int firstHalf(int units) {
    return units / 2;
  }

  private static void checkSizes(int n1, int n2) {
    if (n1 <= 0 || n2 <= 0) {
      throw new IllegalArgumentException(
          "an RBM needs n1 >= 1 and n2 >= 1 units, got n1 " + n1 + ", n2 " + n2);
    }
  }

  private static void checkFinite(String what, float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            "RBM parameter " + what + "[" + i + "] must be finite, got " + values[i]);
      }
    }
  }

  /** Units of z1. */
  public int n1() {
    return b1.length;
  }

  /** Units of z2. */
  public int n2() {
    return b2.length;
  }

  /** All units, n1 + n2. */
  public int units() {
    return b1.length + b2.length;
  }

  @Override
  public float[] b1() {
    return b1.clone();
  }

  @Override
  public float[] b2() {
    return b2.clone();
  }

  @Override
  public float[] w() {
    return w.clone();
  }

  /** The arrays themselves, for the samplers of this package, which never write them. */
  float[] b1Shared() {
    return b1;
  }

  float[] b2Shared() {
    return b2;
  }

  float[] wShared() {
    return w;
  }

  /**
   * E(z) for a batch.
   *
   * @param z [rows, n1 + n2] row-major, values 0 or 1 (any real values are accepted: the energy is
   *     the bilinear form)
   * @return [rows] energies
   */
  public double[] energy(float[] z, int rows) {
    int n = units();
    if ((long) rows * n != z.length) {
      throw new IllegalArgumentException(
          "z must have shape [" + rows + ", " + n + "], got " + z.length + " values");
    }
    double[] out = new double[rows];
    for (int r = 0; r < rows; r++) {
      out[r] = energyAt(z, r * n);
    }
    return out;
  }

  /** E(z) of the row starting at {@code offset} of {@code z}, n1 + n2 values. */
  public double energyAt(float[] z, int offset) {
    int n1 = n1();
    int n2 = n2();
    double e = 0;
    for (int j = 0; j < n2; j++) {
      e -= b2[j] * (double) z[offset + n1 + j];
    }
    for (int i = 0; i < n1; i++) {
      double zi = z[offset + i];
      if (zi == 0) {
        continue;
      }
      double coupling = b1[i];
      int row = i * n2;
      for (int j = 0; j < n2; j++) {
        coupling += w[row + j] * (double) z[offset + n1 + j];
      }
      e -= zi * coupling;
    }
    return e;
  }

  /**
   * The free energy of z1 with z2 summed out: F(z1) = -b1 . z1 - sum_j softplus(b2_j + (z1 W)_j),
   * so that p(z1) = exp(-F(z1)) / Z.
   *
   * @param z1 [n1] values 0 or 1
   */
  public double freeEnergyOfFirst(double[] z1) {
    checkLength("z1", z1, n1());
    int n1 = n1();
    int n2 = n2();
    double f = 0;
    double[] field = new double[n2];
    for (int j = 0; j < n2; j++) {
      field[j] = b2[j];
    }
    for (int i = 0; i < n1; i++) {
      if (z1[i] == 0) {
        continue;
      }
      f -= b1[i] * z1[i];
      int row = i * n2;
      for (int j = 0; j < n2; j++) {
        field[j] += w[row + j] * z1[i];
      }
    }
    for (int j = 0; j < n2; j++) {
      f -= softplus(field[j]);
    }
    return f;
  }

  /**
   * The free energy of z2 with z1 summed out: F(z2) = -b2 . z2 - sum_i softplus(b1_i + (W z2)_i).
   *
   * @param z2 [n2] values 0 or 1
   */
  public double freeEnergyOfSecond(double[] z2) {
    checkLength("z2", z2, n2());
    int n1 = n1();
    int n2 = n2();
    double f = 0;
    for (int j = 0; j < n2; j++) {
      f -= b2[j] * z2[j];
    }
    for (int i = 0; i < n1; i++) {
      double field = b1[i];
      int row = i * n2;
      for (int j = 0; j < n2; j++) {
        field += w[row + j] * z2[j];
      }
      f -= softplus(field);
    }
    return f;
  }

  /**
   * The log-odds of every unit given the other half of its row: b1 + W z2 for the units of z1, b2 +
   * z1 W for those of z2, i.e. logit p(z_u = 1 | the other half).
   *
   * @param z [rows, n1 + n2] row-major
   * @return [rows, n1 + n2] row-major, float32
   */
  public float[] conditionalLogits(float[] z, int rows) {
    int n1 = n1();
    int n2 = n2();
    int n = n1 + n2;
    if ((long) rows * n != z.length) {
      throw new IllegalArgumentException(
          "z must have shape [" + rows + ", " + n + "], got " + z.length + " values");
    }
    float[] out = new float[z.length];
    for (int r = 0; r < rows; r++) {
      int o = r * n;
      for (int i = 0; i < n1; i++) {
        double f = b1[i];
        for (int j = 0; j < n2; j++) {
          f += w[i * n2 + j] * (double) z[o + n1 + j];
        }
        out[o + i] = (float) f;
      }
      for (int j = 0; j < n2; j++) {
        double f = b2[j];
        for (int i = 0; i < n1; i++) {
          f += z[o + i] * (double) w[i * n2 + j];
        }
        out[o + n1 + j] = (float) f;
      }
    }
    return out;
  }

  /** This RBM with the halves swapped: z2 first, W transposed; the same Z. */
  public Rbm transposed() {
    int n1 = n1();
    int n2 = n2();
    float[] t = new float[w.length];
    for (int i = 0; i < n1; i++) {
      for (int j = 0; j < n2; j++) {
        t[j * n1 + i] = w[i * n2 + j];
      }
    }
    return new Rbm(b2, b1, t);
  }

  /** log(1 + e^x) without overflow. */
  static double softplus(double x) {
    return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }

  private static void checkLength(String what, double[] values, int expected) {
    if (values.length != expected) {
      throw new IllegalArgumentException(
          what + " must have " + expected + " values, got " + values.length);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rbm r
        && Arrays.equals(b1, r.b1)
        && Arrays.equals(b2, r.b2)
        && Arrays.equals(w, r.w);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(b1) + Arrays.hashCode(b2)) + Arrays.hashCode(w);
  }

  @Override
  public String toString() {
    return "Rbm[n1=" + n1() + ", n2=" + n2() + "]";
  }
}
