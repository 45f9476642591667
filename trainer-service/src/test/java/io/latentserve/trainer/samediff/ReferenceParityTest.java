package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.Prior;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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
        args.add(Arguments.of(TinyModels.topDown(family, activation)));
      }
    }

    args.add(
        Arguments.of(
            TinyModels.floored(
                TinyModels.oneLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.RELU))));
    args.add(
        Arguments.of(
            TinyModels.floored(
                TinyModels.twoLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.TANH))));
    return args.stream();
  }

  /**
   * The floored cases above are tests of the floor only if it binds there: with the same weights,
   * data and noise, the floor changes log w, and the SameDiff graph follows the reference both with
   * it and without it.
   */
  @org.junit.jupiter.api.Test
  void varianceFloor_bindsInTheParityCase_andSameDiffAppliesItAsTheReferenceDoes() {
    VaeArchitecture plain = TinyModels.oneLayer(LikelihoodFamily.GAUSSIAN_LEARNED, Activation.RELU);
    VaeArchitecture floored = TinyModels.floored(plain);
    VaeWeights weights = TinyModels.weights(floored, 11);
    float[] x = TinyModels.data(floored, ROWS, 12);
    float[][] eps = TinyModels.eps(floored, ROWS, K, 13);

    double[][] withFloor = reference(weights, x, eps);
    double[][] without = reference(TinyModels.withArchitecture(weights, plain), x, eps);

    int changed = 0;
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < K; j++) {
        if (Math.abs(withFloor[i][j] - without[i][j]) > 1e-3) {
          changed++;
        }
      }
    }
    assertThat(changed).as("log w entries the floor changes").isGreaterThan(ROWS * K / 2);
    try (SameDiffVae model =
        SameDiffVae.create(weights, new Objective.Iwae(K), 1e-3, DataType.DOUBLE)) {
      float[] actual = model.logWeights(x, ROWS, eps, K);
      for (int i = 0; i < ROWS; i++) {
        for (int j = 0; j < K; j++) {
          assertThat((double) actual[i * K + j])
              .isCloseTo(withFloor[i][j], within(1e-5 * (1 + Math.abs(withFloor[i][j]))));
        }
      }
    }
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

  /**
   * Models with Bernoulli layers: one and two Bernoulli layers with linear networks and a learned
   * prior (sigmoid belief nets), a Bernoulli layer under a Gaussian one (hierarchical Bernoulli
   * p(z1|z2), N(0, I) on top), and a Gaussian top layer with a learned prior.
   */
  static Stream<Arguments> familyArchitectures() {
    List<StochasticLayer> mixed =
        List.of(
            new StochasticLayer("z1", 3, List.of(4), LatentFamily.BERNOULLI),
            new StochasticLayer("z2", 2, List.of(3)));
    return Stream.of(
        Arguments.of(VaeArchitecture.sigmoidBeliefNet(TinyModels.D, 3)),
        Arguments.of(VaeArchitecture.sigmoidBeliefNet(TinyModels.D, 4, 2)),
        Arguments.of(
            new VaeArchitecture(
                TinyModels.D, mixed, Activation.TANH, LikelihoodFamily.BERNOULLI, 0)),
        Arguments.of(
            new VaeArchitecture(
                TinyModels.D,
                List.of(
                    new StochasticLayer("z1", 3, List.of(), LatentFamily.BERNOULLI),
                    new StochasticLayer("z2", 2, List.of(4))),
                Activation.RELU,
                LikelihoodFamily.BERNOULLI,
                0,
                0,
                Prior.LEARNED)));
  }

  /**
   * log p(x|z), log p(z), log q(z|x) and log w of the graph that VIMCO and RWS train, in double,
   * against the reference at the same weights and noise: relative error <= 1e-5. The exported
   * weights equal the initial ones (a learned prior as Dense heads with in = 0).
   */
  @ParameterizedTest
  @MethodSource("familyArchitectures")
  void logDensities_bernoulliLayersAndLearnedPriors_matchReference(VaeArchitecture architecture) {
    VaeWeights weights = TinyModels.weights(architecture, 51);
    float[] x = TinyModels.data(architecture, ROWS, 52);
    float[][] eps = TinyModels.eps(architecture, ROWS, K, 53);
    List<FloatTensor> epsTensors = new ArrayList<>();
    for (int l = 0; l < architecture.layerCount(); l++) {
      epsTensors.add(FloatTensor.of(eps[l], ROWS, K, architecture.layer(l).latentDim()));
    }
    ReferenceVae.LogWeights expected =
        new ReferenceVae(weights)
            .logWeights(FloatTensor.of(x, ROWS, architecture.inputDim()), epsTensors);
    for (Objective objective :
        List.of(new Objective.Vimco(K), new Objective.Rws(K, Objective.RwsPhi.BOTH))) {
      try (SameDiffVae model = SameDiffVae.create(weights, objective, 1e-3, DataType.DOUBLE)) {
        Map<String, INDArray> out =
            model.outputs(
                x,
                ROWS,
                eps,
                K,
                null,
                VaeGraph.LOG_PX_Z,
                VaeGraph.LOG_PZ,
                VaeGraph.LOG_QZ,
                VaeGraph.LOG_W);
        assertClose(out.get(VaeGraph.LOG_PX_Z), expected.logPxGivenZ(), "log p(x|z)");
        assertClose(out.get(VaeGraph.LOG_PZ), expected.logPz(), "log p(z)");
        assertClose(out.get(VaeGraph.LOG_QZ), expected.logQz(), "log q(z|x)");
        assertClose(out.get(VaeGraph.LOG_W), expected.logW(), "log w");
        assertThat(model.weights()).usingRecursiveComparison().isEqualTo(weights);
      }
    }
  }

  private static void assertClose(INDArray actual, double[][] expected, String what) {
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < K; j++) {
        assertThat(actual.getDouble(i, j))
            .as("%s [%d, %d]", what, i, j)
            .isCloseTo(expected[i][j], within(1e-5 * (1 + Math.abs(expected[i][j]))));
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
