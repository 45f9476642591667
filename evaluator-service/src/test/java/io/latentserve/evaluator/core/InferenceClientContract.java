package io.latentserve.evaluator.core;

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
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link InferenceClient} must do, checked against {@link ReferenceVae} with the
 * documented counter-noise layout. An implementation's test extends this class and serves {@link
 * #WEIGHTS} as model {@value #MODEL} version 1 from {@link #startClient(String, VaeWeights)}.
 */
public abstract class InferenceClientContract {
  /** Model name the implementation must serve. */
  public static final String MODEL = "contract-vae";

  /** A two-layer Bernoulli VAE small enough for fast tests: 12-(8)-4-(6)-2. */
  public static final VaeWeights WEIGHTS =
      VaeWeights.random(
          new VaeArchitecture(
              12,
              List.of(
                  new StochasticLayer("z1", 4, List.of(8)),
                  new StochasticLayer("z2", 2, List.of(6))),
              Activation.TANH,
              LikelihoodFamily.BERNOULLI,
              0),
          42);

  /** float32 results through an ONNX graph differ from the double reference by rounding only. */
  private static final double TOLERANCE = 2e-3;

  private static final ModelKey KEY = new ModelKey(MODEL, 1);
  private static final int TOTAL_LATENT = 6;
  private static final int[] OFFSETS = {0, 4};

  private final ReferenceVae reference = new ReferenceVae(WEIGHTS);
  private InferenceClient client;

  /** Starts whatever serves {@code weights} as {@code name} version 1 and returns its client. */
  protected abstract InferenceClient startClient(String name, VaeWeights weights) throws Exception;

  /** Stops what {@link #startClient} started; the client is closed before. */
  protected void stopServing() throws Exception {}

  @BeforeEach
  public void startContract() throws Exception {
    client = startClient(MODEL, WEIGHTS);
  }

  @AfterEach
  public void stopContract() throws Exception {
    client.close();
    stopServing();
  }

  protected InferenceClient client() {
    return client;
  }

  /** Binary inputs, [n, 12]. */
  public static FloatTensor data(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * 12];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextDouble() < 0.4 ? 1f : 0f;
    }
    return FloatTensor.of(x, n, 12);
  }

  private static FloatTensor latentNoise(long seed, long firstRow, int n, int k, int layer, int d) {
    float[] e = new float[n * k * d];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.LATENT, firstRow + i);
      for (int j = 0; j < k; j++) {
        CounterNoise.gaussian(key, (long) j * TOTAL_LATENT + OFFSETS[layer], e, (i * k + j) * d, d);
      }
    }
    return FloatTensor.of(e, n, k, d);
  }

  private static void assertClose(FloatTensor actual, double[] expected) {
    assertThat(actual.size()).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual.data()[i])
          .as("element %d", i)
          .isCloseTo(expected[i], within(TOLERANCE * Math.max(1, Math.abs(expected[i]))));
    }
  }

  private static double[] flatten(double[][] rows) {
    int k = rows[0].length;
    double[] out = new double[rows.length * k];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * k, k);
    }
    return out;
  }

  private static double[] widen(FloatTensor t) {
    double[] out = new double[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.data()[i];
    }
    return out;
  }

  @Test
  public void describe_latestVersion_returnsVersionOneWithLayers() {
    ModelDescription description = client.describe(new ModelKey(MODEL, 0));

    assertThat(description.version()).isEqualTo(1);
    assertThat(description.inputDim()).isEqualTo(12);
    assertThat(description.likelihood()).isEqualTo(LikelihoodFamily.BERNOULLI);
    assertThat(description.layers())
        .containsExactly(new LatentLayerInfo("z1", 4), new LatentLayerInfo("z2", 2));
  }

  @Test
  public void describe_unknownModel_throwsNotFound() {
    assertThatThrownBy(() -> client.describe(new ModelKey("no-such-model", 0)))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> assertThat(e.reason()).isEqualTo(InferenceException.Reason.NOT_FOUND));
  }

  @Test
  public void importanceWeights_anyRows_matchReferenceWithCounterNoise() {
    FloatTensor x = data(3, 1);
    int k = 7;

    ImportanceWeights w = client.importanceWeights(KEY, x, 10, k, 99, true);

    List<FloatTensor> eps = new ArrayList<>();
    eps.add(latentNoise(99, 10, 3, k, 0, 4));
    eps.add(latentNoise(99, 10, 3, k, 1, 2));
    ReferenceVae.LogWeights expected = reference.logWeights(x, eps);
    assertThat(w.logWeights().shape()).containsExactly(3, k);
    assertClose(w.logWeights(), flatten(expected.logW()));
    assertClose(w.logPxGivenZ().orElseThrow(), flatten(expected.logPxGivenZ()));
    assertClose(w.logPz().orElseThrow(), flatten(expected.logPz()));
    assertClose(w.logQzGivenX().orElseThrow(), flatten(expected.logQz()));
  }

  @Test
  public void importanceWeights_rowsSplitWithFirstRow_equalTheWholeRequest() {
    FloatTensor x = data(4, 2);

    ImportanceWeights whole = client.importanceWeights(KEY, x, 0, 9, 5, false);
    ImportanceWeights head = client.importanceWeights(KEY, x.rows(0, 1), 0, 9, 5, false);
    ImportanceWeights tail = client.importanceWeights(KEY, x.rows(1, 4), 1, 9, 5, false);

    assertClose(head.logWeights(), widen(whole.logWeights().rows(0, 1)));
    assertClose(tail.logWeights(), widen(whole.logWeights().rows(1, 4)));
    assertThat(whole.hasComponents()).isFalse();
  }

  @Test
  public void importanceWeights_sameSeed_sameNumbersOtherSeed_otherNumbers() {
    FloatTensor x = data(2, 3);

    ImportanceWeights a = client.importanceWeights(KEY, x, 0, 4, 1, false);
    ImportanceWeights b = client.importanceWeights(KEY, x, 0, 4, 1, false);
    ImportanceWeights c = client.importanceWeights(KEY, x, 0, 4, 2, false);

    assertThat(b.logWeights()).isEqualTo(a.logWeights());
    assertThat(c.logWeights()).isNotEqualTo(a.logWeights());
  }

  @Test
  public void importanceWeights_wrongFeatureCount_throwsInvalidArgument() {
    FloatTensor x = FloatTensor.of(new float[22], 2, 11);

    assertThatThrownBy(() -> client.importanceWeights(KEY, x, 0, 3, 1, false))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(InferenceException.Reason.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("11").contains("12");
            });
  }

  @Test
  public void encode_withSamples_matchesReferenceAndImportanceSampleZero() {
    FloatTensor x = data(3, 4);

    Encoding e = client.encode(KEY, x, true, 8, 5);

    List<FloatTensor> eps = new ArrayList<>();
    eps.add(latentNoise(8, 5, 3, 1, 0, 4).rows(0, 3));
    eps.add(latentNoise(8, 5, 3, 1, 1, 2).rows(0, 3));
    ReferenceVae.Encoding expected =
        reference.encode(
            x,
            List.of(
                FloatTensor.of(eps.get(0).data(), 3, 4), FloatTensor.of(eps.get(1).data(), 3, 2)));
    assertThat(e.layers()).extracting(LayerDistribution::layer).containsExactly("z1", "z2");
    for (int l = 0; l < 2; l++) {
      assertClose(e.layers().get(l).mean(), widen(expected.layers().get(l).parameter("mean")));
      assertClose(
          e.layers().get(l).logVariance(), widen(expected.layers().get(l).parameter("logvar")));
      assertClose(
          e.layers().get(l).sample().orElseThrow(), widen(expected.layers().get(l).sample()));
    }
  }

  @Test
  public void encode_withoutSamples_returnsNoSample() {
    Encoding e = client.encode(KEY, data(2, 5), false, 1, 0);

    assertThat(e.layers()).allSatisfy(l -> assertThat(l.sample()).isEmpty());
    assertThat(e.top().mean().shape()).containsExactly(2, 2);
  }

  @Test
  public void logProb_encodedSamples_matchReference() {
    FloatTensor x = data(3, 6);
    Encoding e = client.encode(KEY, x, true, 3, 0);
    List<FloatTensor> z = e.layers().stream().map(l -> l.sample().orElseThrow()).toList();

    LogDensities d = client.logProb(KEY, x, z);

    ReferenceVae.LogJoint joint = reference.logJoint(x, z);
    ReferenceVae.LogPosterior posterior = reference.logPosterior(x, z);
    assertClose(d.logPxGivenZ(), joint.logPxGivenZ());
    assertClose(d.logPz(), joint.logPz());
    assertClose(d.logQzGivenX(), posterior.logQz());
    for (int l = 0; l < 2; l++) {
      assertClose(d.layers().get(l).logPrior(), joint.logPriors().get(l));
      assertClose(d.layers().get(l).logPosterior(), posterior.logPosteriors().get(l));
    }
  }

  @Test
  public void decode_withoutSamples_matchesReferenceWithZeroNoise() {
    FloatTensor z = FloatTensor.of(new float[] {0.5f, -1f, 2f, 0f}, 2, 2);

    Decoding d = client.decode(KEY, z, false, 1, 0);

    ReferenceVae.Decoding expected = reference.decode(z, List.of(FloatTensor.zeros(2, 4)));
    assertClose(d.xMean(), widen(expected.xMean()));
    assertThat(d.xSample()).isEmpty();
    assertThat(d.intermediateLayers()).hasSize(1);
  }

  @Test
  public void sample_nDraws_returnsBinaryDrawsAndEqualsDecodeOfItsZ() {
    PriorSamples s = client.sample(KEY, 5, 17, true);

    assertThat(s.z().shape()).containsExactly(5, 2);
    assertThat(s.xMean().shape()).containsExactly(5, 12);
    for (float v : s.xSample().orElseThrow().data()) {
      assertThat(v).isIn(0f, 1f);
    }
    Decoding d = client.decode(KEY, s.z(), true, 17, 0);
    assertClose(d.xMean(), widen(s.xMean()));
    assertThat(d.xSample().orElseThrow()).isEqualTo(s.xSample().orElseThrow());
  }
}
