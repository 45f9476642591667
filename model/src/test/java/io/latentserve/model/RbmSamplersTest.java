package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Exact enumeration, block Gibbs and AIS on RBMs small enough to enumerate. */
class RbmSamplersTest {
  /** 20 units with couplings strong enough that log Z is far from n log 2. */
  private static final Rbm TWENTY = Rbm.random(10, 10, 2.0, 20);

  @Test
  void exactLogZ_zeroRbm_isNLog2() {
    assertThat(RbmPartition.exactLogZ(Rbm.zeros(3, 5))).isCloseTo(8 * Math.log(2), within(1e-12));
  }

  @Test
  void exactLogZ_matchesBruteForceOverAllStates() {
    Rbm rbm = Rbm.random(4, 5, 1.5, 3);
    double sum = 0;
    float[] z = new float[9];
    for (int s = 0; s < 512; s++) {
      for (int u = 0; u < 9; u++) {
        z[u] = (s >>> u) & 1;
      }
      sum += Math.exp(-rbm.energyAt(z, 0));
    }
    assertThat(RbmPartition.exactLogZ(rbm)).isCloseTo(Math.log(sum), within(1e-10));
    assertThat(RbmPartition.exactLogZ(rbm.transposed())).isCloseTo(Math.log(sum), within(1e-10));
  }

  @Test
  void gibbs_empiricalMarginals_matchEnumeration() {
    Rbm rbm = Rbm.random(3, 4, 1.5, 11);
    double[] exact = RbmPartition.exactMarginals(rbm);
    int rows = 20_000;
    float[] z = new RbmGibbs(rbm).sample(5, 0, rows, 10);
    for (int u = 0; u < 7; u++) {
      double mean = 0;
      for (int r = 0; r < rows; r++) {
        mean += z[r * 7 + u];
      }
      mean /= rows;
      double sd = Math.sqrt(exact[u] * (1 - exact[u]) / rows);
      assertThat(mean).as("unit %d", u).isCloseTo(exact[u], within(4 * sd));
    }
  }

  @Test
  void gibbs_rowsDependOnlyOnSeedAndRowNumber() {
    RbmGibbs gibbs = new RbmGibbs(Rbm.random(4, 4, 1, 2));
    float[] all = gibbs.sample(9, 0, 6, 5);
    float[] tail = gibbs.sample(9, 4, 2, 5);
    for (int i = 0; i < tail.length; i++) {
      assertThat(tail[i]).isEqualTo(all[4 * 8 + i]);
    }
    assertThat(gibbs.sample(10, 0, 6, 5)).isNotEqualTo(all);
  }

  @Test
  void ais_twentyUnits_liesWithinThreeStandardErrorsOfExact() {
    double exact = RbmPartition.exactLogZ(TWENTY);
    LogPartition ais = RbmAis.run(TWENTY, new RbmAis.Settings(1000, 1024, 1)).logPartition();
    assertThat(ais.method()).isEqualTo(LogPartition.AIS);
    assertThat(ais.standardError()).isPositive().isLessThan(0.05);
    assertThat(ais.logZ()).isCloseTo(exact, within(3 * ais.standardError()));
    assertThat(exact - 20 * Math.log(2)).as("a non-trivial RBM").isGreaterThan(1);
  }

  @Test
  void ais_standardError_shrinksAsChainsGrow() {
    double few = RbmAis.run(TWENTY, new RbmAis.Settings(100, 64, 2)).logPartition().standardError();
    double many =
        RbmAis.run(TWENTY, new RbmAis.Settings(100, 1024, 2)).logPartition().standardError();
    // SE ~ 1 / sqrt(C): 16 times the chains, about a quarter of the error
    assertThat(many).isLessThan(few / 2.5).isGreaterThan(few / 8);
  }

  @Test
  void ais_secondSeed_agreesWithinTheErrorBars() {
    RbmAis.Settings settings = new RbmAis.Settings(300, 512, 3);
    LogPartition a = RbmAis.run(TWENTY, settings).logPartition();
    LogPartition b = RbmAis.run(TWENTY, new RbmAis.Settings(300, 512, 4)).logPartition();
    double combined = Math.hypot(a.standardError(), b.standardError());
    assertThat(a.logZ()).isCloseTo(b.logZ(), within(3 * combined));
    assertThat(a.logZ()).isNotEqualTo(b.logZ());
    assertThat(RbmAis.run(TWENTY, settings).logPartition()).isEqualTo(a);
  }

  @Test
  void ais_zeroRbm_isExactWithZeroSpread() {
    LogPartition ais = RbmAis.run(Rbm.zeros(3, 3), new RbmAis.Settings(10, 8, 1)).logPartition();
    assertThat(ais.logZ()).isCloseTo(6 * Math.log(2), within(1e-12));
    assertThat(ais.standardError()).isZero();
  }
}
