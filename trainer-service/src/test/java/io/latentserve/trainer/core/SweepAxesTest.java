package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SweepAxesTest {
  private static TrainingSpec lagVae() {
    TrainingSpec iwae = TrainingLoopTest.spec(new Objective.Iwae(2), 1);
    return new TrainingSpec(
        "base",
        iwae.dataset(),
        iwae.architecture(),
        new Objective.LagVae(new Objective.Constraints(1, 90, 5), Objective.DualOptimizer.DEFAULT),
        0.001,
        8,
        1,
        1,
        10);
  }

  private static SweepGroup grid(SweepGroup.Axis... axes) {
    return new SweepGroup(List.of(axes), SweepGroup.Mode.GRID);
  }

  private static SweepGroup zip(SweepGroup.Axis... axes) {
    return new SweepGroup(List.of(axes), SweepGroup.Mode.ZIP);
  }

  private static SweepGroup.Axis axis(String field, String... values) {
    return new SweepGroup.Axis(field, List.of(values));
  }

  @Test
  void expand_gridThenZip_pointsInOrderWithTheirSpecsAndNames() {
    List<SweepPoint> points =
        SweepAxes.expand(
            lagVae(),
            "lag",
            List.of(
                grid(axis("mi", "1", "-1"), axis("e1", "84", "88", "92")),
                zip(
                    axis("objective", "info_vae", "info_vae"),
                    axis("e1", "90", "95"),
                    axis("seed", "3", "18446744073709551615"))),
            100);

    assertThat(points).hasSize(8);
    // The last axis varies fastest.
    assertThat(points.get(0).values()).containsExactly(Map.entry("mi", "1"), Map.entry("e1", "84"));
    assertThat(points.get(2).values()).containsExactly(Map.entry("mi", "1"), Map.entry("e1", "92"));
    assertThat(points.get(3).values())
        .containsExactly(Map.entry("mi", "-1"), Map.entry("e1", "84"));
    Objective.LagVae p4 = (Objective.LagVae) points.get(4).spec().objective();
    assertThat(p4.constraints()).isEqualTo(new Objective.Constraints(-1, 88, 5));
    assertThat(points.get(4).spec().modelName()).isEqualTo("lag-4");
    Objective info = points.get(7).spec().objective();
    assertThat(info).isInstanceOf(Objective.InfoVae.class);
    assertThat(info.constraints()).isEqualTo(new Objective.Constraints(1, 95, 5));
    assertThat(points.get(7).spec().seed()).isEqualTo(-1L); // 2^64 - 1, unsigned
    assertThat(points.get(7).index()).isEqualTo(7);
  }

  @Test
  void expand_hitBetaGrid_setsBothRateWeightsOfEveryPoint() {
    TrainingSpec iwae = TrainingLoopTest.spec(new Objective.Iwae(2), 1);
    TrainingSpec hit =
        new TrainingSpec(
            "base",
            iwae.dataset(),
            io.latentserve.model.VaeArchitecture.hitMlp(
                4, io.latentserve.model.LikelihoodFamily.BERNOULLI, 0),
            new Objective.Hit(1, 1, 2),
            0.001,
            8,
            1,
            1,
            10);

    List<SweepPoint> points =
        SweepAxes.expand(
            hit, "hit", List.of(grid(axis("beta_y", "0.1", "10"), axis("beta_z", "0.3", "3"))), 10);

    assertThat(points).hasSize(4);
    assertThat(points.stream().map(p -> (Objective.Hit) p.spec().objective()))
        .containsExactly(
            new Objective.Hit(0.1, 0.3, 2),
            new Objective.Hit(0.1, 3, 2),
            new Objective.Hit(10, 0.3, 2),
            new Objective.Hit(10, 3, 2));
    assertThatThrownBy(() -> SweepAxes.expand(hit, "hit", List.of(grid(axis("beta_y", "-1"))), 10))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("beta_y");
  }

  @Test
  void expand_badAxes_invalidSpecNamingFieldExpectedAndActual() {
    TrainingSpec base = lagVae();
    assertThatThrownBy(() -> SweepAxes.expand(base, "lag", List.of(grid(axis("gamma", "1"))), 10))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("groups[0].axes[0].field: expected one of mi, e1, e2,")
        .hasMessageEndingWith("got 'gamma'");
    assertThatThrownBy(() -> SweepAxes.expand(base, "lag", List.of(grid(axis("e1"))), 10))
        .hasMessage("groups[0].axes[0].values: expected at least one value for e1, got none");
    assertThatThrownBy(() -> SweepAxes.expand(base, "lag", List.of(grid(axis("beta", "2"))), 10))
        .hasMessage("groups[0].axes[0].field: the base spec's objective lag_vae has no field beta");
    assertThatThrownBy(
            () -> SweepAxes.expand(base, "lag", List.of(grid(axis("e2", "1", "-3"))), 10))
        .hasMessageStartingWith("groups[0].axes[0].values[1]: e2 = '-3' is not accepted:")
        .hasMessageContaining("-3");
    assertThatThrownBy(
            () -> SweepAxes.expand(base, "lag", List.of(grid(axis("epochs", "two"))), 10))
        .hasMessage(
            "groups[0].axes[0].values[0]: epochs = 'two' is not accepted: expected a 32-bit"
                + " integer, got 'two'");
    assertThatThrownBy(
            () ->
                SweepAxes.expand(
                    base, "lag", List.of(zip(axis("mi", "1", "-1"), axis("e1", "84"))), 10))
        .hasMessage(
            "groups[0].axes[1].values: zipped axes need equal lengths, expected 2 values for e1"
                + " (as the first axis), got 1");
    assertThatThrownBy(
            () ->
                SweepAxes.expand(
                    base,
                    "lag",
                    List.of(grid(axis("mi", "1", "-1"), axis("e1", "1", "2", "3"))),
                    5))
        .hasMessage("groups: a sweep may have at most 5 points, these axes give 6");
    assertThatThrownBy(() -> SweepAxes.expand(base, "lag", List.of(), 5))
        .hasMessage("groups: expected at least one group, got none");
    assertThatThrownBy(
            () -> SweepAxes.expand(base, "lag", List.of(grid(axis("mi", "1"), axis("mi", "2"))), 5))
        .hasMessage("groups[0].axes[1].field: axis mi appears twice in the group");
  }
}
