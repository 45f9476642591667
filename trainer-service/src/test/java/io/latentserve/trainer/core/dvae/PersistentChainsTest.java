package io.latentserve.trainer.core.dvae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Rbm;
import org.junit.jupiter.api.Test;

class PersistentChainsTest {
  /**
   * On a 3 + 3 unit RBM, the chains' statistics after enough sweeps match the exact moments by
   * enumeration of all 64 states, within 4 standard errors of a mean of 4000 (independent) chains.
   */
  @Test
  void advance_manySweeps_matchesExactMoments() {
    Rbm rbm = Rbm.random(3, 3, 1.5, 11);
    PersistentChains chains = new PersistentChains(4000, 3, 3, 5);
    PersistentChains.Statistics stats = null;
    for (long step = 0; step < 10; step++) {
      stats = chains.advance(rbm, 5, step);
    }
    double[] exact1 = new double[3];
    double[] exact2 = new double[3];
    double[] exactC = new double[9];
    double z = 0;
    float[] state = new float[6];
    for (int s = 0; s < 64; s++) {
      for (int u = 0; u < 6; u++) {
        state[u] = (s >> u) & 1;
      }
      double p = Math.exp(-rbm.energyAt(state, 0));
      z += p;
      for (int i = 0; i < 3; i++) {
        exact1[i] += p * state[i];
        exact2[i] += p * state[3 + i];
        for (int j = 0; j < 3; j++) {
          exactC[i * 3 + j] += p * state[i] * state[3 + j];
        }
      }
    }
    for (int i = 0; i < 3; i++) {
      check(stats.mean1()[i], exact1[i] / z);
      check(stats.mean2()[i], exact2[i] / z);
      for (int j = 0; j < 3; j++) {
        check(stats.correlation()[i * 3 + j], exactC[i * 3 + j] / z);
      }
    }
  }

  private static void check(double estimate, double exact) {
    double se = Math.sqrt(exact * (1 - exact) / 4000);
    assertThat(estimate).isCloseTo(exact, within(4 * se + 1e-9));
  }

  @Test
  void restore_continuesExactly() {
    Rbm rbm = Rbm.random(4, 5, 1, 2);
    PersistentChains a = new PersistentChains(7, 4, 5, 9);
    a.advance(rbm, 3, 0);
    PersistentChains b = new PersistentChains(7, 4, 5, 9);
    b.restore(a.state());
    assertThat(b.advance(rbm, 2, 1).correlation())
        .containsExactly(a.advance(rbm, 2, 1).correlation());
    assertThat(b.state()).containsExactly(a.state());
  }
}
