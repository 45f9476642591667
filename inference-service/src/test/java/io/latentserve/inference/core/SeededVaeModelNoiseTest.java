package io.latentserve.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Counter-based noise: results depend on (seed, row, sample) only, never on request layout. */
class SeededVaeModelNoiseTest {
  private static final long SEED = 42;
  private final SeededVaeModel model = TestModels.model(TestModels.twoLayer(), ModelLimits.DEFAULT);
  private final FloatTensor x = TestModels.binary(6, 784, 3);

  @AfterEach
  void close() {
    model.close();
  }

  @Test
  void encode_sameSeedAndFirstRow_sameNumbers() {
    EncodeResult a = model.encode(x, true, SEED, 10);
    EncodeResult b = model.encode(x, true, SEED, 10);
    assertThat(a).isEqualTo(b);
    assertThat(a.layers().get(0).sample()).isPresent();
  }

  @Test
  void encode_otherSeedOrFirstRow_otherSamples() {
    FloatTensor z = model.encode(x, true, SEED, 10).layers().get(0).sample().orElseThrow();
    assertThat(model.encode(x, true, SEED + 1, 10).layers().get(0).sample().orElseThrow())
        .isNotEqualTo(z);
    assertThat(model.encode(x, true, SEED, 11).layers().get(0).sample().orElseThrow())
        .isNotEqualTo(z);
  }

  @Test
  void encode_rowsSplitAcrossRequests_equalsOneRequest() {
    EncodeResult whole = model.encode(x, true, SEED, 100);
    EncodeResult head = model.encode(x.rows(0, 2), true, SEED, 100);
    EncodeResult tail = model.encode(x.rows(2, 6), true, SEED, 102);
    for (int l = 0; l < 2; l++) {
      FloatTensor z = whole.layers().get(l).sample().orElseThrow();
      assertThat(head.layers().get(l).sample().orElseThrow()).isEqualTo(z.rows(0, 2));
      assertThat(tail.layers().get(l).sample().orElseThrow()).isEqualTo(z.rows(2, 6));
    }
  }

  @Test
  void encode_sample_usesLatentStreamAtSampleZero() {
    long firstRow = 5;
    LayerDistribution z1 = model.encode(x, true, SEED, firstRow).layers().get(0);
    float[] mean = z1.mean().data();
    float[] logVar = z1.logVariance().data();
    float[] z = z1.sample().orElseThrow().data();
    float[] eps = new float[8];
    for (int i = 0; i < 6; i++) {
      long key = CounterNoise.rowKey(SEED, CounterNoise.Stream.LATENT, firstRow + i);
      CounterNoise.gaussian(key, 0, eps, 0, 8); // layer z1: offset 0 of sample 0
      for (int c = 0; c < 8; c++) {
        double expected = mean[i * 8 + c] + Math.exp(0.5 * logVar[i * 8 + c]) * eps[c];
        assertThat((double) z[i * 8 + c]).isCloseTo(expected, within(1e-5));
      }
    }
  }

  @Test
  void encode_noSample_conditionsOnMeans() {
    EncodeResult result = model.encode(x, false, SEED, 0);
    assertThat(result.layers()).allSatisfy(l -> assertThat(l.sample()).isEmpty());
    // Same as sampling with eps = 0: the layer-2 parameters do not depend on the seed.
    assertThat(model.encode(x, false, SEED + 9, 0)).isEqualTo(result);
  }

  @Test
  void importanceWeights_chunksOf7And13_equalOneChunkOf20() {
    LogWeightsChunk whole = model.importanceWeights(x, 0, 20, SEED, 3, true);
    LogWeightsChunk first = model.importanceWeights(x, 0, 7, SEED, 3, true);
    LogWeightsChunk second = model.importanceWeights(x, 7, 13, SEED, 3, true);
    assertThat(whole.logWeights().shape()).containsExactly(6, 20);
    assertThat(second.sampleOffset()).isEqualTo(7);
    assertThat(second.count()).isEqualTo(13);
    assertThat(concatColumns(first.logWeights(), second.logWeights()))
        .isEqualTo(whole.logWeights());
    LogWeightsChunk.Components c = whole.components().orElseThrow();
    assertThat(
            concatColumns(
                first.components().orElseThrow().logQzGivenX(),
                second.components().orElseThrow().logQzGivenX()))
        .isEqualTo(c.logQzGivenX());
  }

  @Test
  void importanceWeights_rowsSplitAcrossRequests_equalsOneRequest() {
    LogWeightsChunk whole = model.importanceWeights(x, 2, 5, SEED, 40, false);
    LogWeightsChunk tail = model.importanceWeights(x.rows(4, 6), 2, 5, SEED, 44, false);
    assertThat(tail.logWeights()).isEqualTo(whole.logWeights().rows(4, 6));
    assertThat(whole.components()).isEmpty();
  }

  @Test
  void importanceWeights_sampleZero_matchesLogProbOfEncodeSample() {
    EncodeResult encoded = model.encode(x, true, SEED, 8);
    List<FloatTensor> z = new ArrayList<>();
    for (LayerDistribution layer : encoded.layers()) {
      z.add(layer.sample().orElseThrow());
    }
    LogProbResult logProb = model.logProb(x, z);
    LogWeightsChunk chunk = model.importanceWeights(x, 0, 3, SEED, 8, false);
    for (int i = 0; i < 6; i++) {
      double expected =
          logProb.logPxGivenZ().data()[i]
              + logProb.logPz().data()[i]
              - logProb.logQzGivenX().data()[i];
      // float32 rounding of z and of the three terms; log w is ~ -550 nats here.
      assertThat((double) chunk.logWeights().data()[i * 3]).isCloseTo(expected, within(1e-3));
    }
  }

  @Test
  void sample_equalsDecodeOfItsDrawsWithFirstRowZero() {
    SampleResult drawn = model.sample(5, SEED, true);
    DecodeResult decoded = model.decode(drawn.z(), true, SEED, 0);
    assertThat(drawn.decoded()).isEqualTo(decoded);
    assertThat(drawn.z()).isNotEqualTo(model.sample(5, SEED + 1, true).z());
    float[] z = new float[4];
    CounterNoise.gaussian(CounterNoise.rowKey(SEED, CounterNoise.Stream.PRIOR, 2), 8, z, 0, 4);
    assertThat(drawn.z().rows(2, 3).data()).containsExactly(z);
  }

  @Test
  void decode_sample_drawsBinaryXAndIntermediateLayer() {
    FloatTensor zTop = TestModels.normal(6, 4, 5);
    DecodeResult result = model.decode(zTop, true, SEED, 0);
    assertThat(result.xSample().orElseThrow().data()).containsOnly(0f, 1f);
    assertThat(result.intermediateLayers())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.layer()).isEqualTo("z1");
              assertThat(l.sample().orElseThrow()).isNotEqualTo(l.mean());
            });
    DecodeResult tail = model.decode(zTop.rows(3, 6), true, SEED, 3);
    assertThat(tail.xSample().orElseThrow()).isEqualTo(result.xSample().orElseThrow().rows(3, 6));
  }

  @Test
  void decode_noSample_usesPriorMeansAndReturnsNoX() {
    DecodeResult result = model.decode(TestModels.normal(3, 4, 5), false, SEED, 0);
    assertThat(result.xSample()).isEmpty();
    assertThat(result.xLogVariance()).isEmpty();
    LayerDistribution z1 = result.intermediateLayers().get(0);
    assertThat(z1.sample().orElseThrow()).isEqualTo(z1.mean());
  }

  @Test
  void decode_bernoulliSample_frequencyMatchesProbability() {
    // 1024 draws of the same z: each pixel's frequency estimates its probability.
    int n = 1024;
    FloatTensor one = TestModels.normal(1, 4, 9);
    float[] z = new float[n * 4];
    for (int i = 0; i < n; i++) {
      System.arraycopy(one.data(), 0, z, i * 4, 4);
    }
    DecodeResult result = model.decode(FloatTensor.of(z, n, 4), true, SEED, 0);
    float[] xs = result.xSample().orElseThrow().data();
    float[] p = result.xMean().data();
    double meanP = 0;
    double meanX = 0;
    for (int i = 0; i < xs.length; i++) {
      meanP += p[i];
      meanX += xs[i];
    }
    // The intermediate layer is sampled too, so compare the overall frequency with the average
    // probability: 802,816 Bernoulli draws, standard error < 0.0006.
    assertThat(meanX / xs.length).isCloseTo(meanP / xs.length, within(0.003));
  }

  @Test
  void decode_gaussianLearned_samplesMeanPlusSigmaTimesObservationNoise() {
    try (SeededVaeModel gaussian =
        TestModels.model(TestModels.gaussianOneLayer(), ModelLimits.DEFAULT)) {
      DecodeResult result = gaussian.decode(TestModels.normal(2, 3, 4), true, SEED, 7);
      float[] mean = result.xMean().data();
      float[] logVar = result.xLogVariance().orElseThrow().data();
      float[] xs = result.xSample().orElseThrow().data();
      float[] eps = new float[12];
      CounterNoise.gaussian(
          CounterNoise.rowKey(SEED, CounterNoise.Stream.OBSERVATION, 8), 0, eps, 0, 12);
      for (int f = 0; f < 12; f++) {
        double expected = mean[12 + f] + Math.exp(0.5 * logVar[12 + f]) * eps[f];
        assertThat((double) xs[12 + f]).isCloseTo(expected, within(1e-5));
      }
    }
  }

  @Test
  void importanceWeights_largeChunkFilledInParallel_equalsTwoSequentialHalves() {
    // 16 rows x 21,846 samples x 3 latents > 2^20 noise values: the rows are filled in parallel;
    // each half stays below the threshold and is filled sequentially.
    ModelLimits limits = new ModelLimits(16, 30_000, 1 << 20);
    try (SeededVaeModel gaussian = TestModels.model(TestModels.gaussianOneLayer(), limits)) {
      FloatTensor data = TestModels.normal(16, 12, 6);
      LogWeightsChunk whole = gaussian.importanceWeights(data, 0, 21_846, SEED, 0, false);
      LogWeightsChunk first = gaussian.importanceWeights(data, 0, 10_923, SEED, 0, false);
      LogWeightsChunk second = gaussian.importanceWeights(data, 10_923, 10_923, SEED, 0, false);
      assertThat(concatColumns(first.logWeights(), second.logWeights()))
          .isEqualTo(whole.logWeights());
    }
  }

  private static FloatTensor concatColumns(FloatTensor a, FloatTensor b) {
    int n = (int) a.dim(0);
    int ca = (int) a.dim(1);
    int cb = (int) b.dim(1);
    float[] out = new float[n * (ca + cb)];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a.data(), i * ca, out, i * (ca + cb), ca);
      System.arraycopy(b.data(), i * cb, out, i * (ca + cb) + ca, cb);
    }
    return FloatTensor.of(out, n, ca + cb);
  }
}
