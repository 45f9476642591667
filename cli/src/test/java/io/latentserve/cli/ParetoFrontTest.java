package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ParetoFrontTest {
  @Test
  void onFront_dominatedAndTiedPoints_onlyTheUndominatedAreOnIt() {
    // (consistency, mi): 0 and 1 and 3 trade off; 2 is beaten by 1 (lower consistency, higher
    // MI); 4 ties 1's consistency with less MI; 5 is NaN.
    double[] consistency = {84, 88, 90, 96, 88, Double.NaN};
    double[] mi = {20, 30, 25, 50, 29, 100};

    boolean[] front = ParetoFront.onFront(consistency, mi);

    assertThat(front).containsExactly(true, true, false, true, false, false);
    assertThat(ParetoFront.ordered(consistency, mi)).containsExactly(0, 1, 3);
  }

  @Test
  void onFront_identicalPoints_bothStayOnIt() {
    assertThat(ParetoFront.onFront(new double[] {90, 90}, new double[] {10, 10}))
        .containsExactly(true, true);
  }
}
