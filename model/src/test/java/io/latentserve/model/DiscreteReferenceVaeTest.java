package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ReferenceVae} on a tiny sigmoid belief net (8 binary pixels, 5 Bernoulli latents with a
 * learned prior): its exact log p(x) is a sum over the 32 latent states, which importance weighting
 * with counter-based logistic noise must converge to.
 */
class DiscreteReferenceVaeTest {
  private static final VaeArchitecture TINY = VaeArchitecture.sigmoidBeliefNet(8, 5);
  private static final ReferenceVae VAE = new ReferenceVae(VaeWeights.random(TINY, 17));
  private static final FloatTensor X =
      FloatTensor.of(new float[] {1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1}, 2, 8);

  @Test
  void architecture_sigmoidBeliefNet_hasBernoulliLayersAndLearnedPrior() {
    assertThat(TINY.family(0)).isSameAs(LatentFamily.BERNOULLI);
    assertThat(TINY.prior()).isSameAs(Prior.LEARNED);
    assertThat(TINY.reparameterizable()).isFalse();
    assertThat(VAE.weights().prior().mean().in()).isZero();
  }

  @Test
  void architecture_standardNormalPriorOnBernoulliTop_throws() {
    assertThatThrownBy(
            () ->
                new VaeArchitecture(
                    8,
                    TINY.layers(),
                    Activation.TANH,
                    LikelihoodFamily.BERNOULLI,
                    0,
                    0,
                    Prior.STANDARD_NORMAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the standard_normal prior needs a gaussian top layer, got bernoulli");
  }

  @Test
  void logJoint_bernoulliValueOutsideSupport_throwsNamingLayerValueAndPosition() {
    float[] z = new float[10];
    z[7] = 0.5f;
    assertThatThrownBy(() -> VAE.logJoint(X, List.of(FloatTensor.of(z, 2, 5))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("z of z1 must be 0 or 1 (bernoulli), got 0.5 at [1, 2]");
  }

  @Test
  void topPrior_learned_repeatsItsLogitsOnEveryRow() {
    ReferenceVae.LayerParameters prior = VAE.topPrior(3, null);
    float[] logits = prior.parameter("logits").data();
    float[] bias = VAE.weights().prior().mean().bias();
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 5; j++) {
        assertThat(logits[i * 5 + j]).isEqualTo(bias[j]);
      }
    }
  }

  /**
   * log (1/K) sum_k w_k with K = 4000 samples from q lies within 3 standard errors (delta method,
   * sd(w) / (mean(w) sqrt(K))) of the enumerated log p(x), and the single-sample average (the ELBO)
   * lies below it.
   */
  @Test
  void logWeights_manySamples_convergeToEnumeratedLogPx() {
    double[] exact = enumeratedLogPx(X);
    int k = 4000;
    ReferenceVae.LogWeights weights = VAE.logWeights(X, List.of(logisticNoise(2, k, 5)));
    for (int i = 0; i < 2; i++) {
      double[] logW = weights.logW()[i];
      double max = Double.NEGATIVE_INFINITY;
      double elbo = 0;
      for (double v : logW) {
        max = Math.max(max, v);
        elbo += v / k;
      }
      double mean = 0;
      double square = 0;
      for (double v : logW) {
        double w = Math.exp(v - max);
        mean += w / k;
        square += w * w / k;
      }
      double estimate = max + Math.log(mean);
      double se = Math.sqrt((square - mean * mean) / k) / mean;
      assertThat(estimate).as("row %d", i).isCloseTo(exact[i], within(3 * se + 1e-9));
      assertThat(elbo).as("row %d ELBO", i).isLessThan(exact[i]);
    }
  }

  /** log p(x) = log sum_z p(z) p(x|z) over the 2^5 states, per row of x. */
  private static double[] enumeratedLogPx(FloatTensor x) {
    int n = (int) x.dim(0);
    int states = 1 << 5;
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      float[] rows = new float[states * 8];
      float[] z = new float[states * 5];
      for (int s = 0; s < states; s++) {
        System.arraycopy(x.data(), i * 8, rows, s * 8, 8);
        for (int j = 0; j < 5; j++) {
          z[s * 5 + j] = (s >> j) & 1;
        }
      }
      ReferenceVae.LogJoint joint =
          VAE.logJoint(FloatTensor.of(rows, states, 8), List.of(FloatTensor.of(z, states, 5)));
      double max = Double.NEGATIVE_INFINITY;
      double[] terms = new double[states];
      for (int s = 0; s < states; s++) {
        terms[s] = joint.logPxGivenZ()[s] + joint.logPz()[s];
        max = Math.max(max, terms[s]);
      }
      double sum = 0;
      for (double t : terms) {
        sum += Math.exp(t - max);
      }
      out[i] = max + Math.log(sum);
    }
    return out;
  }

  private static FloatTensor logisticNoise(int n, int k, int d) {
    float[] values = new float[n * k * d];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(3, CounterNoise.Stream.LATENT, i);
      for (int s = 0; s < k; s++) {
        NoiseKind.LOGISTIC.fill(key, (long) s * d, values, (i * k + s) * d, d);
      }
    }
    return FloatTensor.of(values, n, k, d);
  }
}
