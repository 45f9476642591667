package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VaeWeightsTest {

  @Test
  void random_conditional_widensFirstLayersByConditionAndAddsAffinePrior() {
    VaeArchitecture architecture = VaeArchitecture.iwaeTwoLayer().withConditionDim(10);

    VaeWeights weights = VaeWeights.random(architecture, 3);

    assertThat(weights.encoders().get(0).inputDim()).isEqualTo(784 + 10);
    assertThat(weights.encoders().get(1).inputDim()).isEqualTo(100 + 10);
    assertThat(weights.decoders().get(0).inputDim()).isEqualTo(100 + 10);
    assertThat(weights.decoders().get(1).inputDim()).isEqualTo(50 + 10);
    assertThat(weights.prior().hidden()).isEmpty();
    assertThat(weights.prior().mean().in()).isEqualTo(10);
    assertThat(weights.prior().mean().out()).isEqualTo(50);
    assertThat(weights.prior().logVariance().out()).isEqualTo(50);
  }

  @Test
  void random_unconditional_hasNoPriorAndTheSameWeightsAsBefore() {
    VaeArchitecture architecture = VaeArchitecture.iwaeOneLayer();

    VaeWeights weights = VaeWeights.random(architecture, 3);

    assertThat(weights.prior()).isNull();
    assertThat(weights.encoders().get(0).inputDim()).isEqualTo(784);
    assertThat(weights.encoders().get(0).hidden().get(0).weight())
        .isEqualTo(
            VaeWeights.random(architecture.withConditionDim(0), 3)
                .encoders()
                .get(0)
                .hidden()
                .get(0)
                .weight());
  }

  @Test
  void constructor_conditionalWithoutPrior_throws() {
    VaeArchitecture architecture = VaeArchitecture.iwaeOneLayer().withConditionDim(10);
    VaeWeights random = VaeWeights.random(architecture, 1);

    assertThatThrownBy(() -> new VaeWeights(architecture, random.encoders(), random.decoders()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs the weights of its prior");
  }

  @Test
  void constructor_unconditionalEncoderOfConditionalWidth_throws() {
    VaeWeights conditional =
        VaeWeights.random(VaeArchitecture.iwaeOneLayer().withConditionDim(2), 1);

    assertThatThrownBy(
            () ->
                new VaeWeights(
                    VaeArchitecture.iwaeOneLayer(), conditional.encoders(), conditional.decoders()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("encoder z1 must map 784 -> [200, 200] -> 50, got 786");
  }

  @Test
  void architecture_negativeConditionDim_throws() {
    assertThatThrownBy(() -> VaeArchitecture.iwaeOneLayer().withConditionDim(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("conditionDim must be >= 0");
  }
}
