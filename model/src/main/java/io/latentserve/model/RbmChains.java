package io.latentserve.model;

/**
 * Block Gibbs transitions of an {@link Rbm} at inverse temperature beta, p_beta(z) proportional to
 * exp(-beta E(z)), for one chain at a time: z2 | z1 then z1 | z2, each half drawn at once because
 * its units are independent given the other half. Shared by {@link RbmGibbs} (sampling) and {@link
 * RbmAis} (annealing).
 *
 * <p>Unit u of a chain takes the value 1 when {@code U < sigmoid(beta * field_u)}, with U the
 * counter-based uniform {@link CounterNoise#uniform(long, long)} at index {@code step * n + u}
 * (units numbered over concat(z1, z2)) of the chain's row key: the draws of a chain depend only on
 * (seed, row, step), never on which other chains run beside it. Fields are float32 sums over the
 * active units in a fixed order, so they are the same on every JVM; the sigmoid uses {@link
 * StrictMath#exp} where the caller asks for draws that must agree across machines (Sample) and
 * {@link Math#exp} (faster, possibly an ulp apart between platforms) where it does not (AIS).
 *
 * <p>Not thread safe: one instance per thread; it never writes the RBM's arrays.
 */
final class RbmChains {
  final int n1;
  final int n2;
  private final float[] b1;
  private final float[] b2;
  private final float[] w;
  private final float[] wt;
  private final boolean strict;

  /** The current state and the fields of the chain being advanced. */
  final float[] z1;

  final float[] z2;
  private final float[] field1;
  private final float[] field2;

  RbmChains(Rbm rbm, float[] transposedW, boolean strict) {
    this.n1 = rbm.n1();
    this.n2 = rbm.n2();
    this.b1 = rbm.b1Shared();
    this.b2 = rbm.b2Shared();
    this.w = rbm.wShared();
    this.wt = transposedW;
    this.strict = strict;
    this.z1 = new float[n1];
    this.z2 = new float[n2];
    this.field1 = new float[n1];
    this.field2 = new float[n2];
  }

  /** W transposed, [n2, n1] row-major, computed once per RBM and shared by every instance. */
  static float[] transpose(Rbm rbm) {
    int n1 = rbm.n1();
    int n2 = rbm.n2();
    float[] w = rbm.wShared();
    float[] t = new float[w.length];
    for (int i = 0; i < n1; i++) {
      for (int j = 0; j < n2; j++) {
        t[j * n1 + i] = w[i * n2 + j];
      }
    }
    return t;
  }

  /** Draws every unit uniformly (the beta = 0 distribution) at step 0. */
  void uniformStart(long rowKey) {
    for (int i = 0; i < n1; i++) {
      z1[i] = CounterNoise.uniform(rowKey, i) < 0.5 ? 1f : 0f;
    }
    for (int j = 0; j < n2; j++) {
      z2[j] = CounterNoise.uniform(rowKey, n1 + j) < 0.5 ? 1f : 0f;
    }
  }

  /**
   * One sweep at inverse temperature {@code beta} with the noise of {@code step}: z2 ~ p(z2 | z1),
   * then z1 ~ p(z1 | z2).
   *
   * @return the energy E(z) of the new state, computed from the last field at no extra cost
   */
  double sweep(double beta, long rowKey, long step) {
    long base = step * (n1 + n2);
    // field2 = b2 + z1 W
    System.arraycopy(b2, 0, field2, 0, n2);
    for (int i = 0; i < n1; i++) {
      if (z1[i] != 0) {
        int row = i * n2;
        for (int j = 0; j < n2; j++) {
          field2[j] += w[row + j];
        }
      }
    }
    draw(field2, z2, beta, rowKey, base + n1);
    // field1 = b1 + W z2
    System.arraycopy(b1, 0, field1, 0, n1);
    for (int j = 0; j < n2; j++) {
      if (z2[j] != 0) {
        int row = j * n1;
        for (int i = 0; i < n1; i++) {
          field1[i] += wt[row + i];
        }
      }
    }
    draw(field1, z1, beta, rowKey, base);
    // E = -b2.z2 - z1.(b1 + W z2)
    double e = 0;
    for (int j = 0; j < n2; j++) {
      e -= b2[j] * z2[j];
    }
    for (int i = 0; i < n1; i++) {
      e -= z1[i] * (double) field1[i];
    }
    return e;
  }

  private void draw(float[] field, float[] z, double beta, long rowKey, long firstIndex) {
    for (int u = 0; u < field.length; u++) {
      double x = -beta * field[u];
      double p = 1 / (1 + (strict ? StrictMath.exp(x) : Math.exp(x)));
      z[u] = CounterNoise.uniform(rowKey, firstIndex + u) < p ? 1f : 0f;
    }
  }

  /** E(z) of the current state. */
  double energy() {
    double e = 0;
    for (int j = 0; j < n2; j++) {
      e -= b2[j] * z2[j];
    }
    for (int i = 0; i < n1; i++) {
      if (z1[i] != 0) {
        double f = b1[i];
        int row = i * n2;
        for (int j = 0; j < n2; j++) {
          f += w[row + j] * z2[j];
        }
        e -= f;
      }
    }
    return e;
  }
}
