package io.latentserve.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.Dense;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LayerDistribution;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.NoiseKind;
import io.latentserve.model.Prior;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bernoulli latents and a learned prior through {@link SeededVaeModel}: the noise of each layer's
 * kind at the Gaussian layout's counter indices, the learned prior's parameters in Sample, and
 * LogProb's support check.
 */
class SeededVaeModelFamiliesTest {
  private static final long SEED = 31;

  /** 12 -> (z1: 5 Bernoulli) -> 4 -> (z2: 3 Bernoulli), learned prior, Bernoulli pixels. */
  private static final VaeArchitecture SBN =
      new VaeArchitecture(
          12,
          List.of(
              new StochasticLayer("z1", 5, List.of(), LatentFamily.BERNOULLI),
              new StochasticLayer("z2", 3, List.of(4), LatentFamily.BERNOULLI)),
          Activation.TANH,
          LikelihoodFamily.BERNOULLI,
          0);

  /** A Gaussian z1 under a Bernoulli top layer with a learned prior. */
  private static final VaeArchitecture MIXED =
      new VaeArchitecture(
          12,
          List.of(
              new StochasticLayer("z1", 4, List.of(6)),
              new StochasticLayer("z2", 3, List.of(), LatentFamily.BERNOULLI)),
          Activation.TANH,
          LikelihoodFamily.BERNOULLI,
          0);

  private final VaeWeights weights = withPriorLogits(VaeWeights.random(SBN, 5));
  private final ReferenceVae reference = new ReferenceVae(weights);
  private final SeededVaeModel model =
      new SeededVaeModel(
          TestModels.ID, SBN, new ReferenceGraphRunner(weights, 4), ModelLimits.DEFAULT);
  private final FloatTensor x = TestModels.binary(6, 12, 3);

  @AfterEach
  void close() {
    model.close();
  }

  /** Random weights start the prior's logits at 0: give them distinct values. */
  private static VaeWeights withPriorLogits(VaeWeights w) {
    float[] bias = new float[3];
    for (int i = 0; i < bias.length; i++) {
      bias[i] = 0.7f * (i - 1);
    }
    return new VaeWeights(
        w.architecture(),
        w.encoders(),
        w.decoders(),
        new GaussianMlp(List.of(), new Dense(0, 3, new float[0], bias), null));
  }

  @Test
  void architecture_learnedPriorOnBernoulliTop() {
    assertThat(SBN.prior()).isSameAs(Prior.LEARNED);
    assertThat(MIXED.prior()).isSameAs(Prior.LEARNED);
  }

  @Test
  void encode_bernoulli_drawsLogisticNoiseAtTheGaussianLayoutsIndices() {
    long firstRow = 9;
    EncodeResult result = model.encode(x, true, SEED, firstRow);
    ReferenceVae.Encoding expected =
        reference.encode(x, List.of(noise(5, 0, firstRow), noise(3, 5, firstRow)));
    for (int l = 0; l < 2; l++) {
      LayerDistribution layer = result.layers().get(l);
      assertThat(layer.family()).isSameAs(LatentFamily.BERNOULLI);
      assertClose(layer.parameter("logits"), expected.layers().get(l).parameter("logits"));
      assertThat(layer.sample().orElseThrow()).isEqualTo(expected.layers().get(l).sample());
      assertThat(layer.sample().orElseThrow().data()).containsOnly(0f, 1f);
    }
  }

  @Test
  void encode_bernoulliWithoutSample_conditionsOnTheMode() {
    EncodeResult result = model.encode(x, false, SEED, 0);
    ReferenceVae.Encoding expected =
        reference.encode(x, List.of(FloatTensor.zeros(6, 5), FloatTensor.zeros(6, 3)));
    assertThat(result.layers()).allSatisfy(l -> assertThat(l.sample()).isEmpty());
    assertClose(
        result.layers().get(1).parameter("logits"), expected.layers().get(1).parameter("logits"));
  }

  @Test
  void sample_learnedPrior_drawsFromTheLearnedLogitsWithPriorLogisticNoise() {
    SampleResult result = model.sample(7, SEED, true);
    LayerDistribution prior = result.prior();
    assertThat(prior.layer()).isEqualTo("z2");
    assertThat(prior.family()).isSameAs(LatentFamily.BERNOULLI);
    float[] logits = prior.parameter("logits").data();
    float[] eps = new float[3];
    for (int i = 0; i < 7; i++) {
      NoiseKind.LOGISTIC.fill(
          CounterNoise.rowKey(SEED, CounterNoise.Stream.PRIOR, i), 5, eps, 0, 3);
      for (int c = 0; c < 3; c++) {
        assertThat(logits[i * 3 + c]).isEqualTo(0.7f * (c - 1));
        assertThat(result.z().data()[i * 3 + c])
            .isEqualTo(logits[i * 3 + c] + eps[c] > 0 ? 1f : 0f);
      }
    }
    DecodeResult decoded = model.decode(result.z(), true, SEED, 0);
    assertThat(result.decoded()).isEqualTo(decoded);
    assertThat(decoded.intermediateLayers().get(0).sample().orElseThrow().data())
        .containsOnly(0f, 1f);
  }

  @Test
  void sample_manyDraws_matchTheLearnedPriorsProbabilities() {
    int n = 4000;
    float[] z = model.sample(n, SEED, false).z().data();
    for (int c = 0; c < 3; c++) {
      double ones = 0;
      for (int i = 0; i < n; i++) {
        ones += z[i * 3 + c];
      }
      double p = 1 / (1 + Math.exp(-0.7 * (c - 1)));
      // 4 standard errors of a proportion over 4000 draws
      assertThat(ones / n).isCloseTo(p, within(4 * Math.sqrt(p * (1 - p) / n)));
    }
  }

  @Test
  void sample_mixedModel_gaussianBelowBernoulliTop() {
    VaeWeights mixed = VaeWeights.random(MIXED, 2);
    try (SeededVaeModel m =
        new SeededVaeModel(
            TestModels.ID, MIXED, new ReferenceGraphRunner(mixed), ModelLimits.DEFAULT)) {
      SampleResult result = m.sample(3, SEED, false);
      assertThat(result.z().data()).containsOnly(0f, 1f);
      LayerDistribution z1 = result.decoded().intermediateLayers().get(0);
      assertThat(z1.family()).isSameAs(LatentFamily.GAUSSIAN);
      ReferenceVae.Decoding expected =
          new ReferenceVae(mixed).decode(result.z(), List.of(FloatTensor.zeros(3, 4)));
      assertClose(z1.mean(), expected.layersBelowTop().get(0).parameter("mean"));
    }
  }

  @Test
  void logProb_binaryZ_matchesReference() {
    List<FloatTensor> z = List.of(binary(6, 5, 1), binary(6, 3, 2));
    LogProbResult result = model.logProb(x, z);
    ReferenceVae.LogJoint joint = reference.logJoint(x, z);
    ReferenceVae.LogPosterior posterior = reference.logPosterior(x, z);
    assertClose(result.logPxGivenZ(), joint.logPxGivenZ());
    assertClose(result.logPz(), joint.logPz());
    assertClose(result.logQzGivenX(), posterior.logQz());
  }

  @Test
  void logProb_bernoulliZNotBinary_namesLayerValueAndPosition() {
    float[] z1 = binary(6, 5, 1).data();
    z1[3 * 5 + 4] = 0.5f;
    List<FloatTensor> z = List.of(FloatTensor.of(z1, 6, 5), binary(6, 3, 2));
    assertThatThrownBy(() -> model.logProb(x, z))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("z[0] (layer z1, bernoulli) must be 0 or 1, got 0.5 at [3, 4]")
        .extracting(e -> ((InvalidInputException) e).field())
        .isEqualTo("z[0]");
  }

  @Test
  void logProb_bernoulliZNegative_namesTheTopLayer() {
    float[] z2 = binary(6, 3, 2).data();
    z2[2] = -1f;
    List<FloatTensor> z = List.of(binary(6, 5, 1), FloatTensor.of(z2, 6, 3));
    assertThatThrownBy(() -> model.logProb(x, z))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("z[1] (layer z2, bernoulli) must be 0 or 1, got -1.0 at [0, 2]");
  }

  @Test
  void importanceWeights_bernoulli_matchReferenceAndChunkingDoesNotMatter() {
    long firstRow = 3;
    LogWeightsChunk whole = model.importanceWeights(x, null, 0, 20, SEED, firstRow, true);
    List<FloatTensor> eps = new ArrayList<>();
    eps.add(sampleNoise(5, 0, firstRow, 20));
    eps.add(sampleNoise(3, 5, firstRow, 20));
    ReferenceVae.LogWeights expected = reference.logWeights(x, eps);
    float[] w = whole.logWeights().data();
    for (int i = 0; i < 6; i++) {
      for (int s = 0; s < 20; s++) {
        assertThat((double) w[i * 20 + s]).isCloseTo(expected.logW()[i][s], within(1e-3));
      }
    }
    LogWeightsChunk head = model.importanceWeights(x, null, 0, 7, SEED, firstRow, false);
    LogWeightsChunk tail = model.importanceWeights(x, null, 7, 13, SEED, firstRow, false);
    for (int i = 0; i < 6; i++) {
      for (int s = 0; s < 20; s++) {
        float actual =
            s < 7 ? head.logWeights().data()[i * 7 + s] : tail.logWeights().data()[i * 13 + s - 7];
        assertThat(actual).isEqualTo(w[i * 20 + s]);
      }
    }
  }

  /** LATENT noise of a layer for encode: sample 0, [6, d], logistic. */
  private static FloatTensor noise(int d, int offset, long firstRow) {
    float[] eps = new float[6 * d];
    for (int i = 0; i < 6; i++) {
      long key = CounterNoise.rowKey(SEED, CounterNoise.Stream.LATENT, firstRow + i);
      NoiseKind.LOGISTIC.fill(key, offset, eps, i * d, d);
    }
    return FloatTensor.of(eps, 6, d);
  }

  /** LATENT noise of a layer for importance samples 0..k-1: [6, k, d], total latent size 8. */
  private static FloatTensor sampleNoise(int d, int offset, long firstRow, int k) {
    float[] eps = new float[6 * k * d];
    for (int i = 0; i < 6; i++) {
      long key = CounterNoise.rowKey(SEED, CounterNoise.Stream.LATENT, firstRow + i);
      for (int s = 0; s < k; s++) {
        NoiseKind.LOGISTIC.fill(key, (long) s * 8 + offset, eps, (i * k + s) * d, d);
      }
    }
    return FloatTensor.of(eps, 6, k, d);
  }

  private static FloatTensor binary(int n, int d, long seed) {
    return TestModels.binary(n, d, seed);
  }

  private static void assertClose(FloatTensor actual, FloatTensor expected) {
    assertThat(actual.shape()).isEqualTo(expected.shape());
    for (int i = 0; i < actual.size(); i++) {
      assertThat(actual.data()[i]).isCloseTo(expected.data()[i], within(1e-5f));
    }
  }

  private static void assertClose(FloatTensor actual, double[] expected) {
    assertThat(actual.size()).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual.data()[i]).isCloseTo(expected[i], within(1e-3));
    }
  }
}
