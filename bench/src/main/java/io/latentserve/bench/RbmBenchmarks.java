package io.latentserve.bench;

import io.latentserve.model.LogPartition;
import io.latentserve.model.Rbm;
import io.latentserve.model.RbmAis;
import io.latentserve.model.RbmGibbs;
import io.latentserve.model.RbmPartition;

/**
 * The RBM prior's samplers: AIS against exact enumeration on a 20-unit RBM, AIS time for the DVAE
 * family's 400-unit prior (200 + 200) at the default 1000 temperatures and 1024 chains, and the
 * cost of the block Gibbs sweeps behind Sample. Run: {@code bench/run rbm}.
 */
public final class RbmBenchmarks {
  private RbmBenchmarks() {}

  public static void main(String[] args) {
    System.out.printf(
        "%s, %d cores, load %.1f%n",
        Machine.cpuModel(), Runtime.getRuntime().availableProcessors(), Machine.loadAverage());
    Rbm twenty = Rbm.random(10, 10, 2.0, 20);
    long t0 = System.nanoTime();
    double exact = RbmPartition.exactLogZ(twenty);
    double exactSeconds = (System.nanoTime() - t0) / 1e9;
    for (long seed = 1; seed <= 3; seed++) {
      t0 = System.nanoTime();
      LogPartition ais = RbmAis.run(twenty, RbmAis.Settings.defaults(seed)).logPartition();
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "20 units (10+10, uniform +-2): exact log Z %.5f (%.4f s); AIS seed %d: %.5f +- %.5f,"
              + " error %.2f SE, %.2f s%n",
          exact,
          exactSeconds,
          seed,
          ais.logZ(),
          ais.standardError(),
          (ais.logZ() - exact) / ais.standardError(),
          s);
    }
    Rbm prior = Rbm.random(200, 200, 0.1, 400);
    // warm-up at a smaller size, then the measured run
    RbmAis.run(prior, new RbmAis.Settings(50, 256, 0));
    for (int round = 0; round < 2; round++) {
      t0 = System.nanoTime();
      LogPartition ais = RbmAis.run(prior, RbmAis.Settings.defaults(7)).logPartition();
      System.out.printf(
          "400 units (200+200, uniform +-0.1), 1000 temperatures x 1024 chains, %d threads:"
              + " log Z %.4f +- %.4f in %.2f s%n",
          Runtime.getRuntime().availableProcessors(),
          ais.logZ(),
          ais.standardError(),
          (System.nanoTime() - t0) / 1e9);
    }
    RbmGibbs gibbs = new RbmGibbs(prior);
    gibbs.sample(1, 0, 64, 100);
    for (int sweeps : new int[] {1, 100, 1000}) {
      int rows = sweeps >= 1000 ? 64 : 256;
      t0 = System.nanoTime();
      gibbs.sample(2, 0, rows, sweeps);
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "Gibbs sampling, 400 units, one thread: %d rows x %d sweeps in %.3f s: %.1f us per"
              + " row-sweep, %.0f rows/s%n",
          rows, sweeps, s, s / rows / sweeps * 1e6, rows / s);
    }
  }
}
