package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Dual ascent of LagVAE's multipliers against the closed form of TF1 RMSProp under a constant
 * gradient g: the mean square after n steps is ms_n = g^2 + decay^n (1 - g^2) (it starts at 1), so
 * lambda_n = 1 + lr sum_{i=1..n} g / sqrt(g^2 + decay^i (1 - g^2) + eps) until it is clipped.
 */
class LagrangeMultipliersTest {
  private static final Objective.Constraints CONSTRAINTS = new Objective.Constraints(1, 90, 5);

  /** lambda after n RMSProp ascent steps with the constant gradient g, unclipped. */
  private static double closedForm(double lr, double decay, double eps, double g, int n) {
    double lambda = LagrangeMultipliers.INITIAL;
    for (int i = 1; i <= n; i++) {
      double meanSquare = g * g + Math.pow(decay, i) * (1 - g * g);
      lambda += lr * g / Math.sqrt(meanSquare + eps);
    }
    return lambda;
  }

  @ParameterizedTest
  @CsvSource({
    // consistency, mmd: each multiplier moves up while its constraint is violated, down otherwise
    "100, 2", // consistency violated by 10, mmd satisfied by 3
    "85, 9", // consistency satisfied by 5, mmd violated by 4
    "90.5, 4.75", // small violation and small slack: |g| < 1, where ms starting at 1 damps steps
  })
  void update_constantViolation_followsTheRmsPropClosedForm(double consistency, double mmd) {
    Objective.DualOptimizer optimizer = Objective.DualOptimizer.DEFAULT;
    LagrangeMultipliers multipliers = new LagrangeMultipliers(CONSTRAINTS, optimizer);
    double g1 = consistency - CONSTRAINTS.e1();
    double g2 = mmd - CONSTRAINTS.e2();
    for (int n = 1; n <= 50; n++) {
      multipliers.update(consistency, mmd);
      assertThat(multipliers.consistency())
          .as("lambda1 after %d steps", n)
          .isCloseTo(closedForm(1e-4, 0.9, 1e-10, g1, n), within(1e-12));
      assertThat(multipliers.mmd())
          .as("lambda2 after %d steps", n)
          .isCloseTo(closedForm(1e-4, 0.9, 1e-10, g2, n), within(1e-12));
    }
    assertThat(Math.signum(multipliers.consistency() - 1)).isEqualTo(Math.signum(g1));
    assertThat(Math.signum(multipliers.mmd() - 1)).isEqualTo(Math.signum(g2));
  }

  @Test
  void update_firstStep_exactValues() {
    LagrangeMultipliers multipliers =
        new LagrangeMultipliers(CONSTRAINTS, Objective.DualOptimizer.DEFAULT);

    multipliers.update(100, 2); // g1 = 10, g2 = -3

    // ms = 0.9 * 1 + 0.1 * g^2: 10.9 and 1.8
    assertThat(multipliers.consistency())
        .isCloseTo(1 + 1e-4 * 10 / Math.sqrt(10.9 + 1e-10), within(1e-15));
    assertThat(multipliers.mmd()).isCloseTo(1 - 1e-4 * 3 / Math.sqrt(1.8 + 1e-10), within(1e-15));
  }

  @Test
  void update_largeViolation_movesAboutTheLearningRatePerStep() {
    // RMSProp normalizes the gradient: after its mean square has caught up, a violation of 1000
    // nats moves lambda1 by the learning rate per step, as one of 10 does
    LagrangeMultipliers big = new LagrangeMultipliers(CONSTRAINTS, Objective.DualOptimizer.DEFAULT);
    for (int n = 0; n < 100; n++) {
      big.update(1090, 5);
    }
    double before = big.consistency();
    big.update(1090, 5);
    assertThat(big.consistency() - before).isCloseTo(1e-4, within(1e-8));
    assertThat(big.mmd()).isEqualTo(1.0); // on the bound exactly: g = 0
  }

  @Test
  void update_clipsToTheRange() {
    Objective.DualOptimizer fast = new Objective.DualOptimizer(1000, 0.9, 1e-10);
    LagrangeMultipliers multipliers = new LagrangeMultipliers(CONSTRAINTS, fast);

    // lambda1 += 1000 * 910 / sqrt(0.9 + 0.1 * 910^2) ~ 3162; lambda2 -= 1000 * 5 / sqrt(3.4)
    multipliers.update(1000, 0);
    assertThat(multipliers.consistency()).isEqualTo(LagrangeMultipliers.MAX);
    assertThat(multipliers.mmd()).isEqualTo(LagrangeMultipliers.MIN);

    // both cross back, from the clipped values: lambda1 -= 1000 * 90 / sqrt(75339.8) ~ 328
    multipliers.update(0, 1000);
    assertThat(multipliers.consistency()).isEqualTo(LagrangeMultipliers.MIN);
    assertThat(multipliers.mmd()).isEqualTo(LagrangeMultipliers.MAX);
  }

  @Test
  void restore_state_continuesExactly() {
    LagrangeMultipliers a = new LagrangeMultipliers(CONSTRAINTS, Objective.DualOptimizer.DEFAULT);
    a.update(95, 7);
    a.update(92, 3);
    LagrangeMultipliers b = new LagrangeMultipliers(CONSTRAINTS, Objective.DualOptimizer.DEFAULT);
    b.restore(a.state());

    a.update(80, 10);
    b.update(80, 10);

    assertThat(b.state()).containsExactly(a.state());
  }

  @Test
  void update_nonFiniteConstraint_throwsAndLeavesTheMultipliers() {
    LagrangeMultipliers multipliers =
        new LagrangeMultipliers(CONSTRAINTS, Objective.DualOptimizer.DEFAULT);

    assertThatThrownBy(() -> multipliers.update(Double.NaN, 1))
        .isInstanceOf(NonFiniteLossException.class)
        .hasMessage("constraint values NaN and 1.0 are not finite");
    assertThat(multipliers.state()).containsExactly(1, 1, 1, 1);
  }
}
