package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.FloatTensor;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline against the closed forms of a linear-Gaussian VAE (see {@link
 * LinearGaussianVae}), through the {@link ReferenceInferenceClient}.
 */
class EvaluatorTest {
  private static final ModelKey PPCA = new ModelKey("ppca", 0);
  private final LinearGaussianVae vae = new LinearGaussianVae(0.8, 1.5);
  private ReferenceInferenceClient client;
  private ExecutorService pool;

  @BeforeEach
  void setUp() {
    client = ReferenceInferenceClient.of("ppca", 1, vae.weights());
    pool = Executors.newFixedThreadPool(3);
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    client.close();
  }

  private EvaluationOutcome run(EvaluatorOptions options, EvaluationRequest request) {
    return new Evaluator(client, options)
        .evaluate("eval-test", request, pool, ProgressListener.none(), () -> false);
  }

  private static EvaluationRequest request(FloatTensor x, int k, Set<Metric> metrics, long seed) {
    return new EvaluationRequest(PPCA, x, "inline", k, metrics, seed, 0, "test");
  }

  @Test
  void evaluate_linearGaussian_posteriorMetricsMatchClosedForms() {
    int n = 2000;
    FloatTensor x = LinearGaussianVae.data(n, 1);
    EvaluationReport report =
        run(
                EvaluatorOptions.defaults(),
                request(
                    x,
                    20,
                    EnumSet.of(
                        Metric.ELBO,
                        Metric.RATES,
                        Metric.ACTIVE_UNITS,
                        Metric.MUTUAL_INFORMATION,
                        Metric.MMD),
                    7))
            .report();

    // ELBO and rate: Monte Carlo means over the same examples as the exact values, so their
    // difference has only the Monte Carlo error; allow 4 standard errors of the report.
    double exactElbo = Estimate.ofSamples(vae.elbo(x)).value();
    assertThat(report.elbo().value())
        .isCloseTo(exactElbo, within(4 * report.elbo().standardError()));
    assertThat(report.elbo().value())
        .isCloseTo(-report.distortion().value() - report.totalRate().value(), within(1e-9));
    double exactRate = Estimate.ofSamples(vae.rate(x)).value();
    LayerReport layer = report.layers().get(0);
    assertThat(layer.rate().value()).isCloseTo(exactRate, within(4 * layer.rate().standardError()));
    assertThat(report.totalRate().value())
        .isCloseTo(exactRate, within(4 * report.totalRate().standardError()));

    // Active units: both units carry signal; activity is the variance of the encoder mean.
    double[][] aggregate = vae.aggregateCovariance();
    assertThat(layer.activeUnits()).isEqualTo(2);
    for (int d = 0; d < 2; d++) {
      double meanVariance = aggregate[d][d] - vae.v[d];
      assertThat(layer.activity()[d]).isCloseTo(meanVariance, within(0.1 * meanVariance));
    }

    // I(x;z): the aggregate estimator is far below its ceiling log N = 7.6 here, where its bias is
    // O(1/N); its error is the sampling error of its terms: 4 standard errors. The minibatch
    // estimator is biased low (each batch caps near log 128): it may fall up to 0.15 nats below.
    MutualInformationReport mi = report.mutualInformation();
    double exactMi = vae.mutualInformation();
    assertThat(mi.aggregateCeiling()).isCloseTo(Math.log(n), within(1e-12));
    assertThat(mi.aggregate().value())
        .isCloseTo(exactMi, within(4 * mi.aggregate().standardError()));
    assertThat(mi.minibatchSize()).isEqualTo(128);
    assertThat(mi.minibatch())
        .isBetween(exactMi - 0.15, exactMi + 4 * mi.aggregate().standardError());

    // MMD^2 with 2000 draws each: the U-statistic's standard deviation here is about 0.0017.
    assertThat(report.mmdSamples()).isEqualTo(2000);
    assertThat(report.mmd()).isCloseTo(vae.squaredMmd(), within(0.006));

    assertThat(report.iwll()).isNull();
    assertThat(report.metrics())
        .containsExactly(
            Metric.ELBO, Metric.RATES, Metric.ACTIVE_UNITS, Metric.MUTUAL_INFORMATION, Metric.MMD);
  }

  @Test
  void evaluate_dataSortedByAFeature_mmdUsesARandomSubsetAndMatchesClosedForm() {
    int n = 4000;
    FloatTensor unsorted = LinearGaussianVae.data(n, 11);
    int d = unsorted.rowSize();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    // Sorted by the first feature: the first 500 examples are the lowest eighth, whose posteriors
    // sit far from the prior's bulk; a prefix would measure that tail, not q(z).
    java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(i -> unsorted.data()[i * d]));
    float[] sorted = new float[n * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(unsorted.data(), order[i] * d, sorted, i * d, d);
    }
    EvaluatorOptions options = new EvaluatorOptions(5000, 256, 1 << 18, 2, 8, 500, 0, 0);

    EvaluationReport report =
        run(options, request(FloatTensor.of(sorted, n, d), 1, Set.of(Metric.MMD), 5)).report();
    EvaluationReport again =
        run(options, request(FloatTensor.of(sorted, n, d), 1, Set.of(Metric.MMD), 5)).report();

    assertThat(report.mmdSamples()).isEqualTo(500);
    // MMD^2 of 500 draws each: the U-statistic's standard deviation is about 0.007 here.
    assertThat(report.mmd()).isCloseTo(vae.squaredMmd(), within(0.03));
    assertThat(again.mmd()).isEqualTo(report.mmd());
  }

  @Test
  void evaluate_linearGaussian_iwllCurveRisesTowardExactLogLikelihood() {
    FloatTensor x = LinearGaussianVae.data(100, 2);
    EvaluationReport report =
        run(EvaluatorOptions.defaults(), request(x, 500, Set.of(Metric.IWLL), 3)).report();

    double exact = Estimate.ofSamples(vae.logMarginal(x)).value();
    List<IwllPoint> curve = report.iwllCurve();
    assertThat(curve).extracting(IwllPoint::k).containsExactly(1, 5, 50, 500);
    assertThat(curve.get(0).logLikelihood().value()).isLessThan(exact - 0.2);
    assertThat(exact - curve.get(3).logLikelihood().value()).isBetween(-0.01, 0.01);
    assertThat(report.iwll()).isEqualTo(curve.get(3).logLikelihood());
    assertThat(report.effectiveSampleSizes()).hasSize(100);
    assertThat(report.meanEffectiveSampleSize()).isBetween(1.0, 500.0);
  }

  @Test
  void evaluate_otherChunkingAndParallelism_identicalReport() {
    FloatTensor x = LinearGaussianVae.data(150, 4);
    EvaluationRequest request = request(x, 40, Metric.all(), 9);
    EvaluatorOptions wide = EvaluatorOptions.defaults();
    EvaluatorOptions narrow = new EvaluatorOptions(5000, 7, 200, 1, 8, 2000, 4, 4);

    EvaluationReport a = run(wide, request).report();
    EvaluationReport b = run(narrow, request).report();

    assertThat(b.iwll()).isEqualTo(a.iwll());
    assertThat(b.iwllCurve()).isEqualTo(a.iwllCurve());
    assertThat(b.effectiveSampleSizes()).isEqualTo(a.effectiveSampleSizes());
    assertThat(b.elbo()).isEqualTo(a.elbo());
    assertThat(b.layers().get(0).rate()).isEqualTo(a.layers().get(0).rate());
    assertThat(b.layers().get(0).activity()).isEqualTo(a.layers().get(0).activity());
    assertThat(b.mutualInformation()).isEqualTo(a.mutualInformation());
    assertThat(b.mmd()).isEqualTo(a.mmd());
  }

  @Test
  void evaluate_allMetrics_reportsProgressPerPhaseAndPreviews() {
    FloatTensor x = LinearGaussianVae.data(60, 5);
    List<Progress> events = new ArrayList<>();
    EvaluationOutcome outcome =
        new Evaluator(client, new EvaluatorOptions(5000, 16, 1 << 18, 2, 2, 2000, 9, 5))
            .evaluate("eval-p", request(x, 10, Set.of(), 1), pool, events::add, () -> false);

    assertThat(events)
        .extracting(Progress::phase)
        .contains(Evaluator.PHASE_WEIGHTS, Evaluator.PHASE_POSTERIOR);
    assertThat(events.stream().filter(p -> p.phase().equals(Evaluator.PHASE_WEIGHTS)).toList())
        .last()
        .satisfies(p -> assertThat(p.examplesDone()).isEqualTo(60));
    assertThat(outcome.report().metrics()).containsExactlyElementsOf(Metric.all());
    assertThat(outcome.report().phaseTimes())
        .containsKeys(Evaluator.PHASE_WEIGHTS, Evaluator.PHASE_POSTERIOR);
    assertThat(outcome.previews().priorSamples().shape()).containsExactly(9, 4);
    assertThat(outcome.previews().reconstructions().shape()).containsExactly(5, 4);
    assertThat(outcome.report().model().version()).isEqualTo(1);
  }

  @Test
  void evaluate_kZero_takesTheDefaultOf5000() {
    EvaluationOutcome outcome =
        run(
            EvaluatorOptions.defaults(),
            request(LinearGaussianVae.data(2, 1), 0, Set.of(Metric.IWLL), 1));
    assertThat(outcome.report().k()).isEqualTo(5000);
  }

  @Test
  void evaluate_kAboveLimit_throwsInvalid() {
    assertThatThrownBy(
            () ->
                run(
                    EvaluatorOptions.defaults(),
                    request(LinearGaussianVae.data(3, 1), 5001, Set.of(), 1)))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("got 5001");
  }

  @Test
  void evaluate_emptyData_throwsInvalid() {
    FloatTensor empty = FloatTensor.of(new float[0], 0, 4);

    assertThatThrownBy(() -> run(EvaluatorOptions.defaults(), request(empty, 1, Set.of(), 1)))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("at least one example");
  }

  @Test
  void evaluate_wrongFeatureCount_throwsInvalidNamingModel() {
    FloatTensor x = FloatTensor.of(new float[6], 2, 3);

    assertThatThrownBy(() -> run(EvaluatorOptions.defaults(), request(x, 1, Set.of(), 1)))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessage("data has 3 features, model ppca/1 expects 4");
  }

  @Test
  void evaluate_nonFiniteData_throwsInvalid() {
    float[] values = new float[8];
    values[5] = Float.NaN;

    assertThatThrownBy(
            () ->
                run(
                    EvaluatorOptions.defaults(),
                    request(FloatTensor.of(values, 2, 4), 1, Set.of(), 1)))
        .isInstanceOf(InvalidEvaluationException.class)
        .hasMessageContaining("row 1 feature 1");
  }

  @Test
  void evaluate_unknownModel_throwsNotFound() {
    EvaluationRequest request =
        new EvaluationRequest(
            new ModelKey("nope", 0), LinearGaussianVae.data(2, 1), "", 1, Set.of(), 1, 0, "");

    assertThatThrownBy(() -> run(EvaluatorOptions.defaults(), request))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> assertThat(e.reason()).isEqualTo(InferenceException.Reason.NOT_FOUND));
  }

  @Test
  void evaluate_cancelledAfterFirstChunk_throwsCancelledAndStopsCalling() {
    FloatTensor x = LinearGaussianVae.data(100, 1);
    AtomicInteger progressEvents = new AtomicInteger();
    Evaluator evaluator =
        new Evaluator(client, new EvaluatorOptions(5000, 10, 1 << 18, 1, 1, 2000, 0, 0));

    assertThatThrownBy(
            () ->
                evaluator.evaluate(
                    "eval-c",
                    request(x, 5, Set.of(Metric.IWLL), 1),
                    pool,
                    p -> progressEvents.incrementAndGet(),
                    () -> progressEvents.get() >= 3))
        .isInstanceOf(EvaluationCancelledException.class);
    // model phase, weights start, first chunk: no further chunk completed.
    assertThat(progressEvents.get()).isEqualTo(3);
  }
}
