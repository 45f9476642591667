package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.model.InferenceStructure.EncoderInput;
import java.util.List;
import org.junit.jupiter.api.Test;

class InferenceStructureTest {
  @Test
  void bottomUp_samplesUpwardsEachLayerReadingTheOneBelow() {
    InferenceStructure s = InferenceStructure.BOTTOM_UP;

    assertThat(s.encodingOrder(3)).containsExactly(0, 1, 2);
    assertThat(s.encoderInputs(0, 3)).containsExactly(EncoderInput.DATA);
    assertThat(s.encoderInputs(2, 3)).containsExactly(EncoderInput.latent(1));
  }

  @Test
  void topDown_samplesDownwardsEachLayerReadingXAndTheOneAbove() {
    InferenceStructure s = InferenceStructure.TOP_DOWN;

    assertThat(s.encodingOrder(3)).containsExactly(2, 1, 0);
    assertThat(s.encoderInputs(2, 3)).containsExactly(EncoderInput.DATA);
    assertThat(s.encoderInputs(0, 3)).containsExactly(EncoderInput.DATA, EncoderInput.latent(1));
  }

  @Test
  void conditionedOnDataOnly_isLayerOneBottomUpAndTheTopTopDown() {
    assertThat(InferenceStructure.BOTTOM_UP.conditionedOnDataOnly(0, 3)).isTrue();
    assertThat(InferenceStructure.BOTTOM_UP.conditionedOnDataOnly(1, 3)).isFalse();
    assertThat(InferenceStructure.BOTTOM_UP.conditionedOnDataOnly(2, 3)).isFalse();
    assertThat(InferenceStructure.TOP_DOWN.conditionedOnDataOnly(0, 2)).isFalse();
    assertThat(InferenceStructure.TOP_DOWN.conditionedOnDataOnly(1, 2)).isTrue();
    assertThat(InferenceStructure.TOP_DOWN.conditionedOnDataOnly(0, 1)).isTrue();
  }

  @Test
  void layerwiseKl_holdsTopDownAndForOneLayerOnly() {
    assertThat(InferenceStructure.TOP_DOWN.layerwiseKl(2)).isTrue();
    assertThat(InferenceStructure.BOTTOM_UP.layerwiseKl(2)).isFalse();
    assertThat(InferenceStructure.BOTTOM_UP.layerwiseKl(1)).isTrue();
  }

  @Test
  void encodingOrder_everyInputComesBeforeItsReader() {
    for (InferenceStructure s : InferenceStructure.all()) {
      List<Integer> order = s.encodingOrder(4);
      for (int l = 0; l < 4; l++) {
        for (EncoderInput in : s.encoderInputs(l, 4)) {
          if (!in.data()) {
            assertThat(order.indexOf(in.layer())).isLessThan(order.indexOf(l));
          }
        }
      }
    }
  }

  @Test
  void byName_roundTripsAndNamesTheKnownOnes() {
    for (InferenceStructure s : InferenceStructure.all()) {
      assertThat(InferenceStructure.byName(s.name())).isSameAs(s);
    }
    assertThatThrownBy(() -> InferenceStructure.byName("sideways"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown inference structure \"sideways\", expected one of bottom_up, top_down");
  }
}
