package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import org.junit.jupiter.api.Test;

class ActiveUnitsTest {
  @Test
  void activity_varyingAndConstantUnits_countsOnlyTheVaryingOne() {
    // Unit 0 alternates -1, 1 (variance 4/3 over 4 rows); unit 1 barely moves (variance 1.3e-5).
    FloatTensor means =
        FloatTensor.of(new float[] {-1, 0.5f, 1, 0.502f, -1, 0.5f, 1, 0.5f + 0.006f}, 4, 2);

    double[] activity = ActiveUnits.activity(means);

    assertThat(activity[0]).isCloseTo(4.0 / 3, within(1e-6));
    assertThat(activity[1]).isLessThan(ActiveUnits.THRESHOLD);
    assertThat(ActiveUnits.count(activity)).isEqualTo(1);
  }
}
