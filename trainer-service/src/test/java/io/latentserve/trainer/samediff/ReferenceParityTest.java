package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/** The SameDiff forward pass against the plain-Java double-precision reference, same weights. */
class ReferenceParityTest {
  private static final int ROWS = 5;
  private static final int K = 4;

  static Stream<Arguments> architectures() {
    List<Arguments> args = new ArrayList<>();
    for (LikelihoodFamily family : LikelihoodFamily.values()) {
      for (Activation activation : Activation.values()) {
        args.add(Arguments.of(TinyModels.oneLayer(family, activation)));
        args.add(Arguments.of(TinyModels.twoLayer(family, activation)));
      }
    }
    return args.stream();
  }

  @ParameterizedTest
  @MethodSource("architectures")
  void logWeights_sameWeightsAndNoise_matchReferenceInDouble(VaeArchitecture architecture) {
    VaeWeights weights = TinyModels.weights(architecture, 11);
    float[] x = TinyModels.data(architecture, ROWS, 12);
    float[][] eps = TinyModels.eps(architecture, ROWS, K, 13);
    double[][] expected = reference(weights, x, eps);

    try (SameDiffVae model =
        SameDiffVae.create(weights, new Objective.Iwae(K), 1e-3, DataType.DOUBLE)) {
      float[] actual = model.logWeights(x, ROWS, eps, K);
      for (int i = 0; i < ROWS; i++) {
        for (int j = 0; j < K; j++) {
          assertThat((double) actual[i * K + j])
              .isCloseTo(expected[i][j], within(1e-5 * (1 + Math.abs(expected[i][j]))));
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("architectures")
  void logWeights_float32_matchReferenceWithin1e4Relative(VaeArchitecture architecture) {
    VaeWeights weights = TinyModels.weights(architecture, 21);
    float[] x = TinyModels.data(architecture, ROWS, 22);
    float[][] eps = TinyModels.eps(architecture, ROWS, K, 23);
    double[][] expected = reference(weights, x, eps);

    try (SameDiffVae model = SameDiffVae.create(weights, new Objective.Elbo(), 1e-3)) {
      float[] actual = model.logWeights(x, ROWS, eps, K);
      for (int i = 0; i < ROWS; i++) {
        for (int j = 0; j < K; j++) {
          assertThat((double) actual[i * K + j])
              .isCloseTo(expected[i][j], within(1e-4 * (1 + Math.abs(expected[i][j]))));
        }
      }
    }
  }

  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of(1, 1),
        Arguments.of(1, 3),
        Arguments.of(3, 3),
        Arguments.of(2, 5),
        Arguments.of(7, 1),
        Arguments.of(6, 6));
  }

  @ParameterizedTest
  @MethodSource("shapes")
  void logWeights_batchAndSampleCountsEqualToLayerSizes_matchReference(int rows, int k) {
    for (VaeArchitecture architecture :
        List.of(
            TinyModels.linear(),
            TinyModels.twoLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.RELU))) {
      VaeWeights weights = TinyModels.weights(architecture, 31);
      float[] x = TinyModels.data(architecture, rows, 32);
      float[][] eps = TinyModels.eps(architecture, rows, k, 33);
      double[][] expected = reference(weights, x, eps);
      try (SameDiffVae model =
          SameDiffVae.create(weights, new Objective.Dreg(2), 1e-3, DataType.DOUBLE)) {
        float[] actual = model.logWeights(x, rows, eps, k);
        assertThat(actual).hasSize(rows * k);
        for (int i = 0; i < rows; i++) {
          for (int j = 0; j < k; j++) {
            assertThat((double) actual[i * k + j])
                .isCloseTo(expected[i][j], within(1e-5 * (1 + Math.abs(expected[i][j]))));
          }
        }
      }
    }
  }

  static double[][] reference(VaeWeights weights, float[] x, float[][] eps) {
    VaeArchitecture architecture = weights.architecture();
    int rows = x.length / architecture.inputDim();
    List<FloatTensor> epsTensors = new ArrayList<>();
    for (int l = 0; l < architecture.layerCount(); l++) {
      int d = architecture.layer(l).latentDim();
      epsTensors.add(FloatTensor.of(eps[l], rows, eps[l].length / rows / d, d));
    }
    return new ReferenceVae(weights)
        .logWeights(FloatTensor.of(x, rows, architecture.inputDim()), epsTensors)
        .logW();
  }
}
