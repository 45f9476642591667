package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LagVAE's constraints, its Lagrangian's two branches and their InfoVAE mapping. */
class ConstraintsTest {
  @Test
  void infoVaeMapping_readmeExample_alphaHalfLambdaOne() {
    // the LagVAE authors' README: mi = e1 = e2 = 1 is InfoVAE with alpha 0.5, lambda 1
    Objective.InfoVae info = Objective.InfoVae.of(new Objective.Constraints(1, 1, 1));

    assertThat(info.alpha()).isEqualTo(0.5);
    assertThat(info.lambda()).isEqualTo(1.0);
    assertThat(info.constraints()).isEqualTo(new Objective.Constraints(1, 1, 1));
  }

  @Test
  void infoVaeMapping_minimizingBranch_dividesByE1() {
    Objective.InfoVae info = Objective.InfoVae.of(new Objective.Constraints(-2, 80, 6));

    assertThat(info.alpha()).isEqualTo(-2.0 / 80);
    assertThat(info.lambda()).isEqualTo((80 + 2 + 6) / 80.0);
  }

  /**
   * The point-for-point claim: the Lagrangian with lambda1 = e1, lambda2 = e2 is the scale times
   * InfoVAE's NLL + (1 - alpha) KL + (alpha + lambda - 1) 1e4 MMD, less the constant e1^2 + e2^2.
   */
  @ParameterizedTest
  @CsvSource({"1, 86, 5", "3, 90, 0", "0, 88, 8", "-1, 84, 1", "-5, 96, 2"})
  void lagrangianWithFixedMultipliers_equalsScaledInfoVaeLoss(double mi, double e1, double e2) {
    Objective.Constraints c = new Objective.Constraints(mi, e1, e2);
    Objective.InfoVae info = Objective.InfoVae.of(c);
    double nll = 83.7;
    double kl = 21.2;
    double mmd = 3.9;

    double lagrangian = c.lagrangian(nll, kl, mmd, e1, e2);
    double infoVae = nll + info.klWeight() * kl + info.mmdWeight() * mmd;

    assertThat(lagrangian + e1 * e1 + e2 * e2).isCloseTo(c.infoVaeScale() * infoVae, within(1e-9));
  }

  @Test
  void lagrangian_branches_weighTheSurrogateByMi() {
    Objective.Constraints max = new Objective.Constraints(2, 90, 5);
    Objective.Constraints min = new Objective.Constraints(-2, 90, 5);

    // mi > 0: (l1 + mi) NLL + l1 KL + l2 MMD - l1 e1 - l2 e2
    assertThat(max.lagrangian(80, 10, 4, 3, 0.5))
        .isCloseTo(5 * 80 + 3 * 10 + 0.5 * 4 - 3 * 90 - 0.5 * 5, within(1e-9));
    // mi <= 0: l1 NLL + (l1 - mi) KL + l2 MMD - l1 e1 - l2 e2
    assertThat(min.lagrangian(80, 10, 4, 3, 0.5))
        .isCloseTo(3 * 80 + 5 * 10 + 0.5 * 4 - 3 * 90 - 0.5 * 5, within(1e-9));
  }

  @Test
  void constructor_invalidValues_nameTheFieldExpectedAndActual() {
    assertThatThrownBy(() -> new Objective.Constraints(Double.NaN, 90, 1))
        .hasMessage("mi must be finite, got NaN");
    assertThatThrownBy(() -> new Objective.Constraints(1, Double.POSITIVE_INFINITY, 1))
        .hasMessage("e1 must be finite, got Infinity");
    assertThatThrownBy(() -> new Objective.Constraints(1, 90, -1))
        .hasMessage("e2 must be finite and >= 0, got -1.0");
    assertThatThrownBy(() -> Objective.InfoVae.of(new Objective.Constraints(0, 0, 1)))
        .hasMessage("e1 must be > 0 to state info_vae by its constraints, got 0.0");
    assertThatThrownBy(() -> Objective.InfoVae.of(new Objective.Constraints(1, -3, 1)))
        .hasMessage("e1 + mi must be > 0 to state info_vae by its constraints, got -2.0");
    assertThatThrownBy(() -> new Objective.DualOptimizer(0, 0.9, 1e-10))
        .hasMessage("learning_rate must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> new Objective.DualOptimizer(1e-4, 1, 1e-10))
        .hasMessage("decay must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> new Objective.DualOptimizer(1e-4, 0.9, -1))
        .hasMessage("epsilon must be finite and > 0, got -1.0");
  }

  @Test
  void trainingSpecJson_lagVaeAndConstrainedInfoVae_roundTrip() {
    for (Objective objective :
        new Objective[] {
          new Objective.LagVae(
              new Objective.Constraints(-1, 88, 8), new Objective.DualOptimizer(1e-3, 0.8, 1e-9)),
          Objective.InfoVae.of(new Objective.Constraints(1, 86, 5)),
          new Objective.InfoVae(0.5, 2)
        }) {
      TrainingSpec spec = TrainingLoopTest.spec(objective, 1);
      assertThat(TrainingSpecJson.read(TrainingSpecJson.write(spec))).isEqualTo(spec);
    }
  }
}
