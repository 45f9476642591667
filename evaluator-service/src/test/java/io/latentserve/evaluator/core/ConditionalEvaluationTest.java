package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.Dense;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Evaluation of conditional models (CVAE / CIWAE) through the {@link ReferenceInferenceClient}:
 * every call carries each example's condition, from the request (inline) or the dataset's labels.
 */
class ConditionalEvaluationTest {
  private static final int C = 3;
  private static final ModelKey CVAE = new ModelKey("cvae", 0);

  /** 12 -> 8 -> (z1: 4), tanh, learned Gaussian, conditioned on 3 values. */
  private static final VaeArchitecture ARCHITECTURE =
      new VaeArchitecture(
          12,
          List.of(new StochasticLayer("z1", 4, List.of(8))),
          Activation.TANH,
          LikelihoodFamily.GAUSSIAN_LEARNED,
          0,
          C);

  private static final VaeWeights WEIGHTS = VaeWeights.random(ARCHITECTURE, 31);

  private final ExecutorService pool = Executors.newFixedThreadPool(3);
  private final List<ReferenceInferenceClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    clients.forEach(ReferenceInferenceClient::close);
  }

  private ReferenceInferenceClient client(String name, VaeWeights weights) {
    ReferenceInferenceClient client = ReferenceInferenceClient.of(name, 1, weights);
    clients.add(client);
    return client;
  }

  private EvaluationOutcome run(
      InferenceClient client, DatasetSource datasets, EvaluationRequest request) {
    return new Evaluator(client, datasets, EvaluatorOptions.defaults(), java.time.Clock.systemUTC())
        .evaluate("conditional-test", request, pool, ProgressListener.none(), () -> false);
  }

  private static EvaluationRequest inline(
      ModelKey model, FloatTensor x, FloatTensor condition, int k, Set<Metric> metrics) {
    return new EvaluationRequest(model, x, null, "inline", k, metrics, 5, 0, "test", condition);
  }

  /**
   * The IW-LL is the mean over examples of the CIWAE estimate log (1/k) sum_j w_ij, with log w of
   * {@link ReferenceVae} given row i's own condition and the counter noise of (seed, row i, j).
   */
  @Test
  void evaluate_conditionalInline_iwllIsMeanOfCiwaeEstimatesGivenEachRowsCondition() {
    int n = 5;
    int k = 4;
    FloatTensor x = normal(n, 12, 3);
    FloatTensor y = oneHot(new int[] {2, 0, 1, 1, 2}, C);

    EvaluationReport report =
        run(
                client("cvae", WEIGHTS),
                DatasetSource.none(),
                inline(CVAE, x, y, k, Set.of(Metric.IWLL)))
            .report();

    float[] eps = new float[n * k * 4];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(5, CounterNoise.Stream.LATENT, i);
      for (int j = 0; j < k; j++) {
        CounterNoise.gaussian(key, (long) j * 4, eps, (i * k + j) * 4, 4);
      }
    }
    double[][] logW =
        new ReferenceVae(WEIGHTS).logWeights(x, y, List.of(FloatTensor.of(eps, n, k, 4))).logW();
    double expected = 0;
    for (double[] row : logW) {
      double max = Arrays.stream(row).max().orElseThrow();
      expected += max + Math.log(Arrays.stream(row).map(v -> Math.exp(v - max)).sum() / k);
    }
    expected /= n;
    assertThat(report.iwll().value()).isCloseTo(expected, within(1e-4));
    assertThat(report.condition()).isEqualTo("inline condition [5, 3]");
    assertThat(report.model().conditionDim()).isEqualTo(C);
  }

  @Test
  void evaluate_conditionalOtherLabels_otherLogLikelihood() {
    FloatTensor x = normal(6, 12, 4);
    ReferenceInferenceClient client = client("cvae", WEIGHTS);
    double first =
        run(
                client,
                DatasetSource.none(),
                inline(CVAE, x, oneHot(new int[] {0, 1, 2, 0, 1, 2}, C), 3, Set.of(Metric.IWLL)))
            .report()
            .iwll()
            .value();
    double second =
        run(
                client,
                DatasetSource.none(),
                inline(CVAE, x, oneHot(new int[] {1, 2, 0, 1, 2, 0}, C), 3, Set.of(Metric.IWLL)))
            .report()
            .iwll()
            .value();

    assertThat(second).isNotEqualTo(first);
  }

  /**
   * A conditional model whose condition weights are all zero, with the prior N(0, I), is the
   * unconditional model: every metric must come out bit for bit the same (the MMD too, as its 200
   * prior draws fit in one Sample call, whose noise is the evaluator's own for an unconditional
   * model).
   */
  @Test
  void evaluate_conditionalModelIgnoringItsCondition_reportsTheUnconditionalNumbers() {
    VaeWeights plain = new LinearGaussianVae(0.8, 1.5).weights();
    VaeWeights conditional = ignoringCondition(plain, C);
    FloatTensor x = LinearGaussianVae.data(200, 9);
    int[] labels = new int[200];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % C;
    }
    // Every metric that needs no labels.
    Set<Metric> all = EnumSet.range(Metric.IWLL, Metric.CONSISTENCY);

    EvaluationReport expected =
        run(
                client("ppca", plain),
                DatasetSource.none(),
                inline(new ModelKey("ppca", 0), x, null, 7, all))
            .report();
    EvaluationReport actual =
        run(
                client("cppca", conditional),
                DatasetSource.none(),
                inline(new ModelKey("cppca", 0), x, oneHot(labels, C), 7, all))
            .report();

    assertThat(actual.iwll()).isEqualTo(expected.iwll());
    assertThat(actual.elbo()).isEqualTo(expected.elbo());
    assertThat(actual.totalRate()).isEqualTo(expected.totalRate());
    assertThat(actual.layers().get(0).activity()).isEqualTo(expected.layers().get(0).activity());
    assertThat(actual.mutualInformation()).isEqualTo(expected.mutualInformation());
    assertThat(actual.mmd()).isEqualTo(expected.mmd());
    assertThat(actual.information().kdeMutualInformation())
        .isNotNull()
        .isEqualTo(expected.information().kdeMutualInformation());
    assertThat(actual.information().consistency()).isEqualTo(expected.information().consistency());
  }

  @Test
  void evaluate_conditionalDataset_conditionsOnOneHotLabelsOfTheDataset() {
    FloatTensor x = normal(8, 12, 6);
    int[] labels = {0, 2, 1, 1, 0, 2, 2, 1};
    DatasetSource source = labelled(x, labels, C);
    DatasetRef ref = new DatasetRef("toy", "test", 0, 1);
    ReferenceInferenceClient client = client("cvae", WEIGHTS);

    EvaluationReport fromDataset =
        run(
                client,
                source,
                new EvaluationRequest(CVAE, null, ref, null, 5, Set.of(Metric.IWLL), 5, 0, ""))
            .report();
    EvaluationReport fromInline =
        run(
                client,
                DatasetSource.none(),
                inline(CVAE, x, oneHot(labels, C), 5, Set.of(Metric.IWLL)))
            .report();

    assertThat(fromDataset.iwll()).isEqualTo(fromInline.iwll());
    assertThat(fromDataset.condition()).isEqualTo("one-hot labels of toy/test (3 classes)");
  }

  @Test
  void evaluate_conditionalDatasetWithOtherClassCount_throwsNamingBoth() {
    FloatTensor x = normal(4, 12, 6);
    DatasetSource source = labelled(x, new int[] {0, 1, 2, 3}, 4);
    EvaluationRequest request =
        new EvaluationRequest(
            CVAE, null, new DatasetRef("toy", "test", 0, 1), null, 2, Set.of(), 5, 0, "");

    assertThatThrownBy(() -> run(client("cvae", WEIGHTS), source, request))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("model cvae/1 is conditioned on 3 values, dataset toy has 4 classes");
  }

  @Test
  void evaluate_conditionalInlineWithoutCondition_throwsNamingTheField() {
    EvaluationRequest request = inline(CVAE, normal(4, 12, 1), null, 2, Set.of());

    assertThatThrownBy(() -> run(client("cvae", WEIGHTS), DatasetSource.none(), request))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("inline_condition is missing")
        .hasMessageContaining("model cvae/1 is conditional (condition_dim 3)")
        .hasMessageContaining("[4, 3]");
  }

  @Test
  void evaluate_conditionalInlineWithWrongColumnCount_throwsNamingBoth() {
    EvaluationRequest request =
        inline(CVAE, normal(4, 12, 1), oneHot(new int[] {0, 1, 2, 3}, 4), 2, Set.of());

    assertThatThrownBy(() -> run(client("cvae", WEIGHTS), DatasetSource.none(), request))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("inline_condition has 4 columns, model cvae/1 expects 3");
  }

  @Test
  void evaluate_unconditionalWithCondition_throws() {
    EvaluationRequest request =
        inline(
            new ModelKey("ppca", 0),
            LinearGaussianVae.data(3, 1),
            oneHot(new int[] {0, 1, 2}, C),
            2,
            Set.of());

    assertThatThrownBy(
            () ->
                run(
                    client("ppca", new LinearGaussianVae(0.8, 1.5).weights()),
                    DatasetSource.none(),
                    request))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("inline_condition is present, but model ppca/1 is unconditional");
  }

  @Test
  void validate_conditionRowsDifferFromData_throws() {
    EvaluationRequest request =
        inline(CVAE, normal(4, 12, 1), oneHot(new int[] {0, 1, 2}, C), 2, Set.of());

    assertThatThrownBy(
            () ->
                new Evaluator(client("cvae", WEIGHTS), EvaluatorOptions.defaults())
                    .validate(request))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("inline_condition must be [N, C] with N = 4")
        .hasMessageContaining("got [3, 3]");
  }

  @Test
  void validate_conditionNaN_throwsNamingRowAndColumn() {
    FloatTensor y = oneHot(new int[] {0, 1}, C);
    float[] values = y.data().clone();
    values[4] = Float.NaN;

    EvaluationRequest request =
        inline(CVAE, normal(2, 12, 1), FloatTensor.of(values, 2, C), 2, Set.of());

    assertThatThrownBy(
            () ->
                new Evaluator(client("cvae", WEIGHTS), EvaluatorOptions.defaults())
                    .validate(request))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("inline_condition must be finite, row 1 column 1 is NaN");
  }

  @Test
  void evaluate_conditional_priorPreviewsHaveOneRowPerClass() {
    Previews previews =
        run(
                client("cvae", WEIGHTS),
                DatasetSource.none(),
                inline(
                    CVAE,
                    normal(4, 12, 2),
                    oneHot(new int[] {0, 1, 2, 0}, C),
                    2,
                    Set.of(Metric.IWLL)))
            .previews();

    int perClass = EvaluatorOptions.defaults().previewSamples() / C;
    assertThat(previews.priorClasses()).isEqualTo(C);
    assertThat(previews.priorSamples().shape()).containsExactly((long) C * perClass, 12);
    // Rows of one class share y, rows of two classes do not: their means differ.
    assertThat(previews.priorSamples().rows(0, 1))
        .isNotEqualTo(previews.priorSamples().rows(perClass, perClass + 1));
  }

  /** {@code plain} with zero weights from y in every network and the prior N(0, I). */
  private static VaeWeights ignoringCondition(VaeWeights plain, int c) {
    VaeArchitecture architecture = plain.architecture().withConditionDim(c);
    int d = architecture.top().latentDim();
    return new VaeWeights(
        architecture,
        plain.encoders().stream().map(m -> widen(m, c)).toList(),
        plain.decoders().stream().map(m -> widen(m, c)).toList(),
        new GaussianMlp(
            List.of(),
            new Dense(c, d, new float[c * d], new float[d]),
            new Dense(c, d, new float[c * d], new float[d])));
  }

  /** The network with c zero rows appended to its first dense layer's weight. */
  private static GaussianMlp widen(GaussianMlp mlp, int c) {
    if (!mlp.hidden().isEmpty()) {
      List<Dense> hidden = new ArrayList<>(mlp.hidden());
      hidden.set(0, widen(hidden.get(0), c));
      return new GaussianMlp(hidden, mlp.mean(), mlp.logVariance());
    }
    return new GaussianMlp(
        List.of(),
        widen(mlp.mean(), c),
        mlp.logVariance() == null ? null : widen(mlp.logVariance(), c));
  }

  private static Dense widen(Dense dense, int c) {
    return new Dense(
        dense.in() + c,
        dense.out(),
        Arrays.copyOf(dense.weight(), (dense.in() + c) * dense.out()),
        dense.bias());
  }

  private static DatasetSource labelled(FloatTensor x, int[] labels, int classes) {
    return new DatasetSource() {
      @Override
      public FloatTensor load(DatasetRef ref, boolean binarize) {
        return x;
      }

      @Override
      public LabelledExamples loadLabelled(DatasetRef ref, boolean binarize) {
        return new LabelledExamples(x, labels, classes);
      }
    };
  }

  private static FloatTensor oneHot(int[] labels, int classes) {
    return new LabelledExamples(FloatTensor.zeros(labels.length, 1), labels, classes).oneHot();
  }

  private static FloatTensor normal(int n, int d, long seed) {
    float[] values = new float[n * d];
    for (int i = 0; i < n; i++) {
      CounterNoise.gaussian(
          CounterNoise.rowKey(seed, CounterNoise.Stream.OBSERVATION, i), 0, values, i * d, d);
    }
    return FloatTensor.of(values, n, d);
  }
}
