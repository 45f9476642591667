package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ReferenceVae} on HIT's top-down structure against the closed forms of {@link
 * TopDownLinearGaussian}: with the exact posterior as encoder every importance weight equals p(x),
 * and the encoder's parameters are the posterior's.
 */
class TopDownReferenceVaeTest {
  static final TopDownLinearGaussian MODEL =
      new TopDownLinearGaussian(
          0.75, 0.5, 0.5, new double[] {1.0, -0.5, 0.25}, new double[] {0.25, 0, -0.5}, 0.5);
  private static final int N = 3;
  private static final int K = 64;

  static FloatTensor data(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[N * 3];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (2 * r.nextGaussian());
    }
    return FloatTensor.of(x, N, 3);
  }

  static FloatTensor noise(long seed, long... shape) {
    SplittableRandom r = new SplittableRandom(seed);
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    float[] e = new float[(int) size];
    for (int i = 0; i < e.length; i++) {
      e[i] = (float) r.nextGaussian();
    }
    return FloatTensor.of(e, shape);
  }

  private static double[] row(FloatTensor x, int i) {
    double[] out = new double[(int) x.dim(1)];
    for (int j = 0; j < out.length; j++) {
      out[j] = x.data()[i * out.length + j];
    }
    return out;
  }

  @Test
  void logWeights_exactPosteriorEncoder_everyWeightIsTheExactMarginal() {
    ReferenceVae vae = new ReferenceVae(MODEL.exactWeights());
    FloatTensor x = data(1);

    ReferenceVae.LogWeights w = vae.logWeights(x, List.of(noise(2, N, K, 1), noise(3, N, K, 1)));

    for (int i = 0; i < N; i++) {
      double exact = MODEL.logMarginal(row(x, i));
      for (int s = 0; s < K; s++) {
        assertThat(w.logW()[i][s]).as("example %d sample %d", i, s).isCloseTo(exact, within(1e-4));
      }
    }
  }

  @Test
  void encode_topDown_samplesZFromXThenYFromXAndZ() {
    ReferenceVae vae = new ReferenceVae(MODEL.exactWeights());
    FloatTensor x = data(4);

    ReferenceVae.Encoding e = vae.encode(x, List.of(noise(5, N, 1), noise(6, N, 1)));

    ReferenceVae.LayerSample y = e.layers().get(0);
    ReferenceVae.LayerSample z = e.layers().get(1);
    for (int i = 0; i < N; i++) {
      assertThat(z.parameter("mean").data()[i])
          .isCloseTo((float) MODEL.posteriorMeanZ(row(x, i)), within(1e-5f));
      assertThat(Math.exp(z.parameter("logvar").data()[i]))
          .isCloseTo(MODEL.posteriorVarianceZ(), within(1e-6));
      assertThat(y.parameter("mean").data()[i])
          .isCloseTo((float) MODEL.posteriorMeanY(row(x, i), z.sample().data()[i]), within(1e-5f));
      assertThat(Math.exp(y.parameter("logvar").data()[i]))
          .isCloseTo(MODEL.posteriorVarianceY(), within(1e-6));
    }
  }

  @Test
  void logPosterior_atEncodedSamples_equalsTheLogWeightsTerm() {
    ReferenceVae vae = new ReferenceVae(MODEL.exactWeights());
    FloatTensor x = data(7);
    FloatTensor ey = noise(8, N, 1);
    FloatTensor ez = noise(9, N, 1);

    ReferenceVae.Encoding e = vae.encode(x, List.of(ey, ez));
    double[] logQ =
        vae.logPosterior(x, List.of(e.layers().get(0).sample(), e.layers().get(1).sample()))
            .logQz();
    double[][] fromWeights =
        vae.logWeights(
                x, List.of(FloatTensor.of(ey.data(), N, 1, 1), FloatTensor.of(ez.data(), N, 1, 1)))
            .logQz();

    for (int i = 0; i < N; i++) {
      assertThat(logQ[i]).isCloseTo(fromWeights[i][0], within(1e-4));
    }
  }
}
