package io.latentserve.trainer.core.dvae;

import io.latentserve.model.Rbm;
import io.latentserve.model.Seeds;
import java.util.SplittableRandom;

/**
 * Persistent contrastive divergence (Tieleman 2008) for the gradient of an RBM's log Z: {@code
 * chains} Markov chains of block Gibbs sweeps (z2 | z1, then z1 | z2) that persist from one
 * training step to the next, so that a few sweeps per step keep them near the slowly moving model.
 * d log Z / d b1 = E_p[z1], d log Z / d b2 = E_p[z2] and d log Z / d W = E_p[z1 z2^T], each
 * estimated by the chains' mean after the step's sweeps.
 *
 * <p>The chains start uniform (the exact distribution of the all-zero RBM the DVAE family starts
 * from). Step s draws its uniforms from a generator seeded by (seed, s), so a run restored from
 * {@link #state()} continues exactly. Not thread-safe.
 */
public final class PersistentChains {
  private static final long PURPOSE = 0x706364L; // "pcd"

  private final int chains;
  private final int n1;
  private final int n2;
  private final long seed;
  private final byte[] z1;
  private final byte[] z2;

  /**
   * @param chains number of chains, >= 1
   * @param n1 units of z1
   * @param n2 units of z2
   * @param seed seeds the start and every step's draws
   */
  public PersistentChains(int chains, int n1, int n2, long seed) {
    if (chains < 1 || n1 < 1 || n2 < 1) {
      throw new IllegalArgumentException(
          "chains, n1 and n2 must be >= 1, got " + chains + ", " + n1 + ", " + n2);
    }
    this.chains = chains;
    this.n1 = n1;
    this.n2 = n2;
    this.seed = seed;
    z1 = new byte[chains * n1];
    z2 = new byte[chains * n2];
    SplittableRandom random = new SplittableRandom(Seeds.derive(seed, PURPOSE, -1));
    for (int i = 0; i < z1.length; i++) {
      z1[i] = (byte) (random.nextBoolean() ? 1 : 0);
    }
    for (int i = 0; i < z2.length; i++) {
      z2[i] = (byte) (random.nextBoolean() ? 1 : 0);
    }
  }

  /**
   * The sufficient statistics of the chains: means [n1], [n2] and E[z1 z2^T] [n1, n2] row-major.
   */
  public record Statistics(double[] mean1, double[] mean2, double[] correlation) {}

  /**
   * Runs {@code sweeps} block Gibbs sweeps of every chain under {@code rbm}, then returns the
   * chains' statistics.
   *
   * @param step the training step (seeds this call's draws)
   */
  public Statistics advance(Rbm rbm, int sweeps, long step) {
    if (rbm.n1() != n1 || rbm.n2() != n2) {
      throw new IllegalArgumentException(
          "chains over n1 " + n1 + ", n2 " + n2 + " got an RBM with " + rbm.n1() + ", " + rbm.n2());
    }
    float[] b1 = rbm.b1();
    float[] b2 = rbm.b2();
    float[] w = rbm.w();
    SplittableRandom random = new SplittableRandom(Seeds.derive(seed, PURPOSE, step));
    double[] field2 = new double[n2];
    double[] field1 = new double[n1];
    int[] active = new int[Math.max(n1, n2)];
    for (int c = 0; c < chains; c++) {
      for (int s = 0; s < sweeps; s++) {
        // z2 | z1: field b2 + sum over active i of W[i, :]
        for (int j = 0; j < n2; j++) {
          field2[j] = b2[j];
        }
        for (int i = 0; i < n1; i++) {
          if (z1[c * n1 + i] != 0) {
            int row = i * n2;
            for (int j = 0; j < n2; j++) {
              field2[j] += w[row + j];
            }
          }
        }
        int count = 0;
        for (int j = 0; j < n2; j++) {
          byte v = random.nextDouble() < sigmoid(field2[j]) ? (byte) 1 : 0;
          z2[c * n2 + j] = v;
          if (v != 0) {
            active[count++] = j;
          }
        }
        // z1 | z2: field b1 + W[:, active j]
        for (int i = 0; i < n1; i++) {
          double f = b1[i];
          int row = i * n2;
          for (int a = 0; a < count; a++) {
            f += w[row + active[a]];
          }
          field1[i] = f;
        }
        for (int i = 0; i < n1; i++) {
          z1[c * n1 + i] = random.nextDouble() < sigmoid(field1[i]) ? (byte) 1 : 0;
        }
      }
    }
    return statistics();
  }

  /** The statistics of the chains as they are. */
  public Statistics statistics() {
    double[] mean1 = new double[n1];
    double[] mean2 = new double[n2];
    double[] correlation = new double[n1 * n2];
    int[] active = new int[n2];
    for (int c = 0; c < chains; c++) {
      int count = 0;
      for (int j = 0; j < n2; j++) {
        if (z2[c * n2 + j] != 0) {
          mean2[j]++;
          active[count++] = j;
        }
      }
      for (int i = 0; i < n1; i++) {
        if (z1[c * n1 + i] != 0) {
          mean1[i]++;
          int row = i * n2;
          for (int a = 0; a < count; a++) {
            correlation[row + active[a]]++;
          }
        }
      }
    }
    for (double[] a : new double[][] {mean1, mean2, correlation}) {
      for (int i = 0; i < a.length; i++) {
        a[i] /= chains;
      }
    }
    return new Statistics(mean1, mean2, correlation);
  }

  /** The chains' states, [chains, n1 + n2] row-major 0/1, for a checkpoint. */
  public float[] state() {
    float[] out = new float[chains * (n1 + n2)];
    for (int c = 0; c < chains; c++) {
      for (int i = 0; i < n1; i++) {
        out[c * (n1 + n2) + i] = z1[c * n1 + i];
      }
      for (int j = 0; j < n2; j++) {
        out[c * (n1 + n2) + n1 + j] = z2[c * n2 + j];
      }
    }
    return out;
  }

  /** Restores {@link #state()}. */
  public void restore(float[] state) {
    if (state.length != chains * (n1 + n2)) {
      throw new IllegalArgumentException(
          "chain state has " + state.length + " values, " + chains * (n1 + n2) + " expected");
    }
    for (int c = 0; c < chains; c++) {
      for (int i = 0; i < n1; i++) {
        z1[c * n1 + i] = state[c * (n1 + n2) + i] != 0 ? (byte) 1 : 0;
      }
      for (int j = 0; j < n2; j++) {
        z2[c * n2 + j] = state[c * (n1 + n2) + n1 + j] != 0 ? (byte) 1 : 0;
      }
    }
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
