package io.latentserve.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The behaviour every {@link VaeModel} implementation must show, checked against {@link
 * ReferenceVae} (double precision) with the noise layout of {@link SeededVaeModel} computed here
 * from {@link CounterNoise} independently. An implementation's test extends this class and opens
 * the model from seeded weights.
 *
 * <p>Tolerances: float32 against double, |error| <= 1e-4 + 1e-5 |value| for parameters and log
 * densities (a sum over 784 pixels of terms of order 1). Splitting rows with an adjusted first row,
 * or chunking samples, must give bit-identical numbers.
 *
 * <p>One model serves every test of a class (opening ONNX sessions is the slow part); the tests
 * only read from it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class VaeModelContract {
  /** Widths 50, 30 and 6 are not multiples of 4, which exercises unaligned rows. */
  protected static final VaeArchitecture ARCHITECTURE =
      new VaeArchitecture(
          784,
          List.of(
              new StochasticLayer("z1", 50, List.of(30)), new StochasticLayer("z2", 6, List.of(8))),
          Activation.TANH,
          LikelihoodFamily.BERNOULLI,
          0);

  protected static final VaeWeights WEIGHTS = VaeWeights.random(ARCHITECTURE, 2024);

  /** {@link #ARCHITECTURE} conditioned on 10 values (one-hot labels): inputs 794 and 60 wide. */
  protected static final VaeWeights CONDITIONAL_WEIGHTS =
      VaeWeights.random(ARCHITECTURE.withConditionDim(10), 2025);

  private static final long SEED = 1234;
  private static final int TOTAL_LATENT = 56;

  private final ReferenceVae reference = new ReferenceVae(WEIGHTS);
  private final ReferenceVae conditionalReference = new ReferenceVae(CONDITIONAL_WEIGHTS);
  private final FloatTensor x = TestModels.binary(7, 784, 17);
  private final FloatTensor labels = TestModels.oneHot(new int[] {3, 0, 9, 3, 5, 1, 7}, 10);
  protected VaeModel model;
  protected VaeModel conditional;

  /** Opens the implementation under test for {@link #WEIGHTS}. */
  protected abstract VaeModel open(VaeWeights weights, ModelLimits limits);

  @BeforeAll
  void openModel() {
    model = open(WEIGHTS, ModelLimits.DEFAULT);
    conditional = open(CONDITIONAL_WEIGHTS, ModelLimits.DEFAULT);
  }

  @AfterAll
  void closeModel() {
    model.close();
    conditional.close();
  }

  @Test
  void encode_noSample_matchesReferenceWithZeroNoise() {
    EncodeResult result = model.encode(x, false, SEED, 0);
    ReferenceVae.Encoding expected =
        reference.encode(x, List.of(FloatTensor.zeros(7, 50), FloatTensor.zeros(7, 6)));
    for (int l = 0; l < 2; l++) {
      LayerDistribution layer = result.layers().get(l);
      assertThat(layer.layer()).isEqualTo(ARCHITECTURE.layer(l).name());
      assertClose(layer.mean(), expected.layers().get(l).parameter("mean"));
      assertClose(layer.logVariance(), expected.layers().get(l).parameter("logvar"));
      assertThat(layer.sample()).isEmpty();
    }
  }

  @Test
  void encode_sample_matchesReferenceWithLatentNoiseOfSampleZero() {
    long firstRow = 30;
    EncodeResult result = model.encode(x, true, SEED, firstRow);
    ReferenceVae.Encoding expected = reference.encode(x, latentNoise(firstRow, 0, 1, false));
    for (int l = 0; l < 2; l++) {
      assertClose(result.layers().get(l).sample().orElseThrow(), expected.layers().get(l).sample());
    }
  }

  @Test
  void decode_sample_matchesReferenceWithPriorNoise() {
    FloatTensor zTop = TestModels.normal(7, 6, 5);
    long firstRow = 3;
    DecodeResult result = model.decode(zTop, true, SEED, firstRow);
    float[] eps = new float[7 * 50];
    for (int i = 0; i < 7; i++) {
      long key = CounterNoise.rowKey(SEED, CounterNoise.Stream.PRIOR, firstRow + i);
      CounterNoise.gaussian(key, 0, eps, i * 50, 50);
    }
    ReferenceVae.Decoding expected = reference.decode(zTop, List.of(FloatTensor.of(eps, 7, 50)));
    assertClose(result.xMean(), expected.xMean());
    LayerDistribution z1 = result.intermediateLayers().get(0);
    assertThat(z1.layer()).isEqualTo("z1");
    assertClose(z1.mean(), expected.layersBelowTop().get(0).parameter("mean"));
    assertClose(z1.sample().orElseThrow(), expected.layersBelowTop().get(0).sample());
    assertThat(result.xSample().orElseThrow().data()).containsOnly(0f, 1f);
  }

  @Test
  void sample_drawsTopLayerFromPriorStream() {
    SampleResult result = model.sample(4, SEED, false);
    float[] z = new float[4 * 6];
    for (int i = 0; i < 4; i++) {
      long key = CounterNoise.rowKey(SEED, CounterNoise.Stream.PRIOR, i);
      CounterNoise.gaussian(key, 50, z, i * 6, 6); // top layer z2 sits after z1's 50 coordinates
    }
    assertThat(result.z()).isEqualTo(FloatTensor.of(z, 4, 6));
    assertThat(result.decoded().xSample()).isEmpty();
  }

  @Test
  void logProb_matchesReference() {
    List<FloatTensor> z = List.of(TestModels.normal(7, 50, 8), TestModels.normal(7, 6, 9));
    LogProbResult result = model.logProb(x, z);
    ReferenceVae.LogJoint joint = reference.logJoint(x, z);
    ReferenceVae.LogPosterior posterior = reference.logPosterior(x, z);
    assertClose(result.logPxGivenZ(), joint.logPxGivenZ());
    assertClose(result.logPz(), joint.logPz());
    assertClose(result.logQzGivenX(), posterior.logQz());
    for (int l = 0; l < 2; l++) {
      LayerLogProb layer = result.layers().get(l);
      assertThat(layer.layer()).isEqualTo(ARCHITECTURE.layer(l).name());
      assertClose(layer.logPrior(), joint.logPriors().get(l));
      assertClose(layer.logPosterior(), posterior.logPosteriors().get(l));
    }
  }

  @Test
  void logProbAsync_sameInputs_bitIdenticalToLogProb() throws Exception {
    List<FloatTensor> z = List.of(TestModels.normal(7, 50, 8), TestModels.normal(7, 6, 9));
    LogProbResult sync = model.logProb(x, null, z);
    LogProbResult async = model.logProbAsync(x, null, z).get(30, TimeUnit.SECONDS);
    assertThat(async.logPxGivenZ().data()).containsExactly(sync.logPxGivenZ().data());
    assertThat(async.logPz().data()).containsExactly(sync.logPz().data());
    assertThat(async.logQzGivenX().data()).containsExactly(sync.logQzGivenX().data());
    for (int l = 0; l < 2; l++) {
      assertThat(async.layers().get(l).logPrior().data())
          .containsExactly(sync.layers().get(l).logPrior().data());
      assertThat(async.layers().get(l).logPosterior().data())
          .containsExactly(sync.layers().get(l).logPosterior().data());
    }
  }

  @Test
  void logProbAsync_zOfTheWrongRowCount_throwsAtOnceNamingTheField() {
    List<FloatTensor> z = List.of(TestModels.normal(6, 50, 8), TestModels.normal(7, 6, 9));
    assertThatThrownBy(() -> model.logProbAsync(x, null, z))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("z[0] has 6 rows, x has 7: they must match");
  }

  @Test
  void importanceWeights_matchesReferenceWithLatentNoise() {
    long firstRow = 100;
    LogWeightsChunk chunk = model.importanceWeights(x, 5, 11, SEED, firstRow, true);
    ReferenceVae.LogWeights expected = reference.logWeights(x, latentNoise(firstRow, 5, 11, true));
    assertThat(chunk.sampleOffset()).isEqualTo(5);
    assertThat(chunk.logWeights().shape()).containsExactly(7, 11);
    assertClose(chunk.logWeights(), expected.logW());
    LogWeightsChunk.Components c = chunk.components().orElseThrow();
    assertClose(c.logPxGivenZ(), expected.logPxGivenZ());
    assertClose(c.logPz(), expected.logPz());
    assertClose(c.logQzGivenX(), expected.logQz());
  }

  @Test
  void importanceWeights_sameRequestTwice_identical() {
    assertThat(model.importanceWeights(x, 0, 9, SEED, 0, true))
        .isEqualTo(model.importanceWeights(x, 0, 9, SEED, 0, true));
  }

  @Test
  void importanceWeights_chunksOf7And13_equalOneChunkOf20() {
    LogWeightsChunk whole = model.importanceWeights(x, 0, 20, SEED, 0, true);
    LogWeightsChunk first = model.importanceWeights(x, 0, 7, SEED, 0, true);
    LogWeightsChunk second = model.importanceWeights(x, 7, 13, SEED, 0, true);
    assertThat(concatColumns(first.logWeights(), second.logWeights()))
        .isEqualTo(whole.logWeights());
    assertThat(
            concatColumns(
                first.components().orElseThrow().logPz(),
                second.components().orElseThrow().logPz()))
        .isEqualTo(whole.components().orElseThrow().logPz());
  }

  @Test
  void importanceWeights_rowsSplitWithAdjustedFirstRow_equalOneRequest() {
    FloatTensor whole = model.importanceWeights(x, 3, 9, SEED, 20, false).logWeights();
    FloatTensor tail = model.importanceWeights(x.rows(3, 7), 3, 9, SEED, 23, false).logWeights();
    assertThat(tail).isEqualTo(whole.rows(3, 7));
  }

  @Test
  void encode_rowsSplitWithAdjustedFirstRow_equalOneRequest() {
    EncodeResult whole = model.encode(x, true, SEED, 50);
    EncodeResult head = model.encode(x.rows(0, 3), true, SEED, 50);
    EncodeResult tail = model.encode(x.rows(3, 7), true, SEED, 53);
    for (int l = 0; l < 2; l++) {
      FloatTensor z = whole.layers().get(l).sample().orElseThrow();
      assertThat(head.layers().get(l).sample().orElseThrow()).isEqualTo(z.rows(0, 3));
      assertThat(tail.layers().get(l).sample().orElseThrow()).isEqualTo(z.rows(3, 7));
      assertThat(tail.layers().get(l).logVariance())
          .isEqualTo(whole.layers().get(l).logVariance().rows(3, 7));
    }
  }

  @Test
  void decode_rowsSplitWithAdjustedFirstRow_equalOneRequest() {
    FloatTensor zTop = TestModels.normal(7, 6, 21);
    DecodeResult whole = model.decode(zTop, true, SEED, 9);
    DecodeResult tail = model.decode(zTop.rows(1, 7), true, SEED, 10);
    assertThat(tail.xMean()).isEqualTo(whole.xMean().rows(1, 7));
    assertThat(tail.xSample().orElseThrow()).isEqualTo(whole.xSample().orElseThrow().rows(1, 7));
  }

  @Test
  void encode_conditional_matchesReferenceWithCondition() {
    long firstRow = 30;
    EncodeResult result = conditional.encode(x, labels, true, SEED, firstRow);
    ReferenceVae.Encoding expected =
        conditionalReference.encode(x, labels, latentNoise(firstRow, 0, 1, false));
    for (int l = 0; l < 2; l++) {
      assertClose(result.layers().get(l).mean(), expected.layers().get(l).parameter("mean"));
      assertClose(result.layers().get(l).sample().orElseThrow(), expected.layers().get(l).sample());
    }
  }

  @Test
  void decode_conditional_matchesReferenceWithCondition() {
    FloatTensor zTop = TestModels.normal(7, 6, 5);
    DecodeResult result = conditional.decode(zTop, labels, false, SEED, 3);
    ReferenceVae.Decoding expected =
        conditionalReference.decode(zTop, labels, List.of(FloatTensor.zeros(7, 50)));
    assertClose(result.xMean(), expected.xMean());
    assertClose(
        result.intermediateLayers().get(0).mean(),
        expected.layersBelowTop().get(0).parameter("mean"));
  }

  @Test
  void sample_conditional_drawsTopLayerFromConditionalPriorAndDecodesWithCondition() {
    FloatTensor y = labels.rows(0, 4);
    SampleResult result = conditional.sample(4, y, SEED, true);
    float[] eps = new float[4 * 6];
    for (int i = 0; i < 4; i++) {
      long key = CounterNoise.rowKey(SEED, CounterNoise.Stream.PRIOR, i);
      CounterNoise.gaussian(key, 50, eps, i * 6, 6);
    }
    ReferenceVae.LayerParameters prior = conditionalReference.topPrior(y);
    float[] z = new float[eps.length];
    for (int i = 0; i < z.length; i++) {
      z[i] =
          prior.parameter("mean").data()[i]
              + (float) Math.exp(0.5 * prior.parameter("logvar").data()[i]) * eps[i];
    }
    assertClose(result.z(), FloatTensor.of(z, 4, 6));
    DecodeResult decoded = conditional.decode(result.z(), y, true, SEED, 0);
    assertThat(result.decoded().xMean()).isEqualTo(decoded.xMean());
    assertThat(result.decoded().xSample()).isEqualTo(decoded.xSample());
  }

  @Test
  void logProb_conditional_matchesReferenceWithCondition() {
    List<FloatTensor> z = List.of(TestModels.normal(7, 50, 8), TestModels.normal(7, 6, 9));
    LogProbResult result = conditional.logProb(x, labels, z);
    ReferenceVae.LogJoint joint = conditionalReference.logJoint(x, labels, z);
    ReferenceVae.LogPosterior posterior = conditionalReference.logPosterior(x, labels, z);
    assertClose(result.logPxGivenZ(), joint.logPxGivenZ());
    assertClose(result.logPz(), joint.logPz());
    assertClose(result.logQzGivenX(), posterior.logQz());
    assertClose(result.layers().get(1).logPrior(), joint.logPriors().get(1));
  }

  @Test
  void importanceWeights_conditional_matchesReferenceWithCondition() {
    long firstRow = 100;
    LogWeightsChunk chunk = conditional.importanceWeights(x, labels, 5, 11, SEED, firstRow, true);
    ReferenceVae.LogWeights expected =
        conditionalReference.logWeights(x, labels, latentNoise(firstRow, 5, 11, true));
    assertClose(chunk.logWeights(), expected.logW());
    assertClose(chunk.components().orElseThrow().logPz(), expected.logPz());
  }

  @Test
  void importanceWeights_conditionalOtherLabels_differ() {
    FloatTensor other = TestModels.oneHot(new int[] {4, 1, 8, 2, 6, 0, 9}, 10);
    float[] a = conditional.importanceWeights(x, labels, 0, 3, SEED, 0, false).logWeights().data();
    float[] b = conditional.importanceWeights(x, other, 0, 3, SEED, 0, false).logWeights().data();
    for (int i = 0; i < a.length; i++) {
      assertThat(a[i]).as("log w element %d", i).isNotEqualTo(b[i]);
    }
  }

  @Test
  void importanceWeights_conditionalRowsSplitWithAdjustedFirstRow_equalOneRequest() {
    FloatTensor whole =
        conditional.importanceWeights(x, labels, 3, 9, SEED, 21, false).logWeights();
    FloatTensor tail =
        conditional
            .importanceWeights(x.rows(3, 7), labels.rows(3, 7), 3, 9, SEED, 24, false)
            .logWeights();
    assertThat(tail).isEqualTo(whole.rows(3, 7));
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

  /** Posterior noise [N, d_l] (sample j0 only) or [N, count, d_l] per layer, as specified. */
  private static List<FloatTensor> latentNoise(
      long firstRow, int j0, int count, boolean perSample) {
    int[] dims = {50, 6};
    int[] offsets = {0, 50};
    List<FloatTensor> eps = new ArrayList<>();
    for (int l = 0; l < 2; l++) {
      int d = dims[l];
      float[] data = new float[7 * count * d];
      for (int i = 0; i < 7; i++) {
        long key = CounterNoise.rowKey(SEED, CounterNoise.Stream.LATENT, firstRow + i);
        for (int s = 0; s < count; s++) {
          long index = (long) (j0 + s) * TOTAL_LATENT + offsets[l];
          CounterNoise.gaussian(key, index, data, (i * count + s) * d, d);
        }
      }
      eps.add(perSample ? FloatTensor.of(data, 7, count, d) : FloatTensor.of(data, 7, d));
    }
    return eps;
  }

  private static void assertClose(FloatTensor actual, FloatTensor expected) {
    assertThat(actual.shape()).containsExactly(expected.shape());
    for (int i = 0; i < actual.size(); i++) {
      assertClose(actual.data()[i], expected.data()[i], "element " + i);
    }
  }

  private static void assertClose(FloatTensor actual, double[] expected) {
    assertThat(actual.shape()).containsExactly(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertClose(actual.data()[i], expected[i], "row " + i);
    }
  }

  private static void assertClose(FloatTensor actual, double[][] expected) {
    int k = expected[0].length;
    assertThat(actual.shape()).containsExactly(expected.length, k);
    for (int i = 0; i < expected.length; i++) {
      for (int j = 0; j < k; j++) {
        assertClose(actual.data()[i * k + j], expected[i][j], "[" + i + ", " + j + "]");
      }
    }
  }

  private static void assertClose(float actual, double expected, String where) {
    assertThat((double) actual)
        .as(where)
        .isCloseTo(expected, within(1e-4 + 1e-5 * Math.abs(expected)));
  }
}
