package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class VaeArchitectureTest {
  static Stream<VaeArchitecture> architectures() {
    return Stream.of(
        VaeArchitecture.iwaeOneLayer(),
        VaeArchitecture.iwaeTwoLayer(),
        VaeArchitecture.iwaeTwoLayer().withConditionDim(10),
        VaeArchitecture.sigmoidBeliefNet(784, 200, 50),
        VaeArchitecture.sigmoidBeliefNet(30, 8).withConditionDim(3),
        VaeArchitecture.sigmoidBeliefNet(30, 7).withPrior(Prior.RBM),
        VaeArchitecture.sigmoidBeliefNet(30, 8, 5).withPrior(Prior.RBM),
        new VaeArchitecture(
            12,
            List.of(new StochasticLayer("z1", 3, List.of(7, 5))),
            Activation.RELU,
            LikelihoodFamily.GAUSSIAN_LEARNED,
            0),
        new VaeArchitecture(
            6,
            List.of(new StochasticLayer("z1", 2, List.of())),
            Activation.TANH,
            LikelihoodFamily.GAUSSIAN_FIXED,
            0.5));
  }

  @ParameterizedTest
  @MethodSource("architectures")
  void parameterCount_equalsTheFloatsOfRandomWeights(VaeArchitecture architecture) {
    VaeWeights weights = VaeWeights.random(architecture, 3);
    long floats = 0;
    List<GaussianMlp> networks = new java.util.ArrayList<>(weights.encoders());
    networks.addAll(weights.decoders());
    if (weights.prior() != null) {
      networks.add(weights.prior());
    }
    for (GaussianMlp mlp : networks) {
      List<Dense> dense = new java.util.ArrayList<>(mlp.hidden());
      dense.addAll(mlp.heads());
      for (Dense d : dense) {
        floats += d.weight().length + d.bias().length;
      }
    }

    if (weights.rbm() != null) {
      floats += weights.rbm().units() + weights.rbm().w().length;
    }
    assertThat(architecture.parameterCount()).isEqualTo(floats);
  }

  @Test
  void parameterCount_iwaeOneLayer_isThePapersCount() {
    // encoder 784*200+200 + 200*200+200 + 2*(200*50+50); decoder 50*200+200 + 200*200+200 +
    // 200*784+784
    long encoder = 784L * 200 + 200 + 200L * 200 + 200 + 2 * (200L * 50 + 50);
    long decoder = 50L * 200 + 200 + 200L * 200 + 200 + 200L * 784 + 784;

    assertThat(VaeArchitecture.iwaeOneLayer().parameterCount()).isEqualTo(encoder + decoder);
  }

  @Test
  void parameterCount_hugeLayer_countsIn64Bits() {
    VaeArchitecture huge =
        new VaeArchitecture(
            784,
            List.of(new StochasticLayer("z1", 50, List.of(200, 2_000_000))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);

    assertThat(huge.parameterCount()).isGreaterThan(2L * 200 * 2_000_000);
  }
}
