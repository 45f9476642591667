package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The floor on a learned-variance Gaussian likelihood's variance in the reference forward pass. */
class ReferenceVaeVarianceFloorTest {
  private static final int N = 8;
  private static final int D = 10;

  private static final VaeArchitecture PLAIN =
      new VaeArchitecture(
          D,
          List.of(new StochasticLayer("z1", 3, List.of(7))),
          Activation.TANH,
          LikelihoodFamily.GAUSSIAN_LEARNED,
          0);

  private static FloatTensor gaussian(long seed, int rows, int cols) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextDouble() * 4 - 2);
    }
    return FloatTensor.of(v, rows, cols);
  }

  /** Random weights whose log-variance head has biases spread over [-2, 2]. */
  private static VaeWeights weights(VaeArchitecture architecture) {
    VaeWeights w = VaeWeights.random(architecture, 5);
    GaussianMlp decoder = w.decoders().get(0);
    Dense logVar = decoder.logVariance();
    float[] bias = gaussian(6, 1, logVar.out()).data().clone();
    GaussianMlp shifted =
        new GaussianMlp(
            decoder.hidden(),
            decoder.mean(),
            new Dense(logVar.in(), logVar.out(), logVar.weight(), bias));
    return new VaeWeights(architecture, w.encoders(), List.of(shifted), w.prior());
  }

  @Test
  void decode_floor_holdsTheLogVarianceAtItsLogWhereItBindsOnly() {
    double minVariance = 0.5;
    FloatTensor z = gaussian(1, N, 3);
    FloatTensor plain = new ReferenceVae(weights(PLAIN)).decode(z, List.of()).xLogVariance();
    VaeArchitecture floored = PLAIN.withLikelihoodMinVariance(minVariance);

    FloatTensor held = new ReferenceVae(weights(floored)).decode(z, List.of()).xLogVariance();

    float floor = (float) Math.log(minVariance);
    int bound = 0;
    for (int i = 0; i < plain.data().length; i++) {
      float raw = plain.data()[i];
      assertThat(held.data()[i]).isCloseTo(Math.max(raw, floor), within(1e-6f));
      bound += raw < floor ? 1 : 0;
    }
    assertThat(bound).as("entries where the floor binds").isBetween(1, plain.data().length - 1);
  }

  @Test
  void logJoint_floor_isTheGaussianDensityUnderTheHeldVariance() {
    double minVariance = 0.5;
    VaeArchitecture floored = PLAIN.withLikelihoodMinVariance(minVariance);
    VaeWeights w = weights(floored);
    FloatTensor z = gaussian(2, N, 3);
    FloatTensor x = gaussian(3, N, D);
    ReferenceVae.Decoding decoded = new ReferenceVae(w).decode(z, List.of());

    double[] logPx = new ReferenceVae(w).logJoint(x, List.of(z)).logPxGivenZ();

    for (int i = 0; i < N; i++) {
      double expected = 0;
      for (int j = 0; j < D; j++) {
        double logVar = decoded.xLogVariance().data()[i * D + j];
        double diff = x.data()[i * D + j] - decoded.xMean().data()[i * D + j];
        expected += -0.5 * (Math.log(2 * Math.PI) + logVar + diff * diff / Math.exp(logVar));
      }
      assertThat(logPx[i]).isCloseTo(expected, within(1e-4));
    }
  }

  @Test
  void new_floorOnAnotherLikelihood_refused() {
    assertThatThrownBy(() -> VaeArchitecture.iwaeOneLayer().withLikelihoodMinVariance(0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "likelihoodMinVariance must be >= 0 for GAUSSIAN_LEARNED and 0 otherwise, got 0.1 for"
                + " BERNOULLI");
    assertThatThrownBy(() -> PLAIN.withLikelihoodMinVariance(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
