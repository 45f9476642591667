package io.latentserve.evaluator.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.evaluator.core.DatasetSource;
import io.latentserve.evaluator.core.EvaluationOutcome;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.InformationRequest;
import io.latentserve.evaluator.core.Metric;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.ProgressListener;
import io.latentserve.evaluator.core.ReferenceInferenceClient;
import io.latentserve.evaluator.core.ReportFiles;
import io.latentserve.evaluator.probes.TribuoLinearProbe;
import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
  private static ExecutorService pool;
  private static EvaluationOutcome outcome;

  /** 28x28 binary pictures of filled rectangles at seeded positions, [n, 784]. */
  static FloatTensor rectangles(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * 784];
    for (int i = 0; i < n; i++) {
      int r0 = random.nextInt(3, 14);
      int c0 = random.nextInt(3, 14);
      int h = random.nextInt(6, 13);
      int w = random.nextInt(6, 13);
      for (int r = r0; r < r0 + h; r++) {
        for (int c = c0; c < c0 + w; c++) {
          x[i * 784 + r * 28 + c] = 1;
        }
      }
    }
    return FloatTensor.of(x, n, 784);
  }

  /** A two-layer 784-(64)-8-(16)-4 Bernoulli VAE with seeded random weights, 40 examples, k=60. */
  @BeforeAll
  static void evaluate() {
    pool = Executors.newFixedThreadPool(2);
    VaeWeights weights =
        VaeWeights.random(
            new VaeArchitecture(
                784,
                List.of(
                    new StochasticLayer("z1", 8, List.of(64)),
                    new StochasticLayer("z2", 4, List.of(16))),
                Activation.TANH,
                LikelihoodFamily.BERNOULLI,
                0),
            3);
    try (ReferenceInferenceClient client = ReferenceInferenceClient.of("shapes", 2, weights)) {
      int[] labels = new int[40];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = i % 3;
      }
      outcome =
          new Evaluator(
                  client,
                  DatasetSource.none(),
                  new EvaluatorOptions(5000, 64, 1 << 16, 2, 2, 500, 32, 8),
                  Clock.systemUTC(),
                  new TribuoLinearProbe())
              .evaluate(
                  "eval-report-test",
                  new EvaluationRequest(
                      new ModelKey("shapes", 0),
                      rectangles(40, 1),
                      null,
                      "rectangles/test",
                      60,
                      Metric.all(),
                      5,
                      16,
                      "report test",
                      null,
                      new InformationRequest("", 0, labels)),
                  pool,
                  ProgressListener.none(),
                  () -> false);
    }
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
  }

  @Test
  void write_allMetrics_writesJsonHtmlAndFivePlots(@TempDir Path dir) throws IOException {
    ReportFiles files = ReportWriter.write(dir, outcome);

    assertThat(files.plots())
        .extracting(p -> p.getFileName().toString())
        .containsExactly(
            ReportWriter.PRIOR_SAMPLES,
            ReportWriter.RECONSTRUCTIONS,
            ReportWriter.IWLL_CURVE,
            ReportWriter.RATES,
            ReportWriter.ESS_HISTOGRAM);
    for (Path plot : files.plots()) {
      BufferedImage image = ImageIO.read(plot.toFile());
      assertThat(image.getWidth()).isGreaterThanOrEqualTo(Charts.WIDTH);
      assertThat(distinctColours(image)).as(plot.toString()).isGreaterThan(2);
    }
    String html = Files.readString(files.html());
    assertThat(html)
        .contains("shapes/2")
        .contains("iwll-vs-k.png")
        .contains("ceiling log N")
        .contains("I(x;z1), Gaussian KDE (nats)")
        .contains("consistency NLL + KL")
        .contains("3 classes, H(label)")
        .contains("(8 held out)");
  }

  @Test
  void json_roundTrip_keepsEveryField() throws IOException {
    EvaluationReport report = outcome.report();

    EvaluationReport back = ReportJson.fromJson(ReportJson.toJson(report));

    // Double.compare: an upper layer's minibatch MI is NaN, which == never equals.
    assertThat(back)
        .usingRecursiveComparison()
        .withStrictTypeChecking()
        .withComparatorForType(Double::compare, Double.class)
        .isEqualTo(report);
    assertThat(new String(ReportJson.toJson(back)))
        .isEqualTo(new String(ReportJson.toJson(report)));
  }

  @Test
  void json_metricNotComputed_roundTripsNaN() throws IOException {
    EvaluationReport report = outcome.report();
    EvaluationReport withoutMmd =
        new EvaluationReport(
            report.evaluationId(),
            report.model(),
            report.label(),
            report.dataDescription(),
            report.examples(),
            report.k(),
            report.seed(),
            List.of(Metric.IWLL),
            report.iwll(),
            report.iwllCurve(),
            report.meanEffectiveSampleSize(),
            report.effectiveSampleSizes(),
            null,
            null,
            null,
            List.of(),
            null,
            Double.NaN,
            0,
            report.phaseTimes(),
            report.wallTime(),
            report.examplesPerSecond(),
            report.created());

    EvaluationReport back = ReportJson.fromJson(ReportJson.toJson(withoutMmd));

    assertThat(back.mmd()).isNaN();
    assertThat(back.elbo()).isNull();
    assertThat(back.mutualInformation()).isNull();
  }

  @Test
  void json_topDownModel_roundTripsItsInferenceStructure() throws IOException {
    EvaluationReport report = outcome.report();
    io.latentserve.evaluator.core.ModelDescription m = report.model();
    io.latentserve.evaluator.core.ModelDescription topDown =
        new io.latentserve.evaluator.core.ModelDescription(
            m.name(),
            m.version(),
            m.inputShape(),
            m.likelihood(),
            m.likelihoodSigma(),
            m.layers(),
            m.device(),
            m.manifestSha256(),
            m.trainingDataset(),
            m.trainingSeed(),
            m.epochs(),
            m.finalMetrics(),
            m.specJson(),
            m.codeVersion(),
            m.created(),
            m.conditionDim(),
            m.prior(),
            m.logPartition(),
            io.latentserve.model.InferenceStructure.TOP_DOWN);
    EvaluationReport withTopDown =
        new EvaluationReport(
            report.evaluationId(),
            topDown,
            report.label(),
            report.dataDescription(),
            report.examples(),
            report.k(),
            report.seed(),
            List.of(Metric.IWLL),
            report.iwll(),
            report.iwllCurve(),
            report.meanEffectiveSampleSize(),
            report.effectiveSampleSizes(),
            null,
            null,
            null,
            List.of(),
            null,
            Double.NaN,
            0,
            report.phaseTimes(),
            report.wallTime(),
            report.examplesPerSecond(),
            report.created());

    byte[] json = ReportJson.toJson(withTopDown);
    EvaluationReport back = ReportJson.fromJson(json);

    assertThat(new String(json)).contains("\"top_down\"");
    assertThat(back.model().inference())
        .isEqualTo(io.latentserve.model.InferenceStructure.TOP_DOWN);
    assertThat(ReportJson.fromJson(ReportJson.toJson(report)).model().inference())
        .isEqualTo(io.latentserve.model.InferenceStructure.BOTTOM_UP);
  }

  @Test
  void store_saveLoadList_newestFirst(@TempDir Path root) throws IOException {
    ReportStore store = new ReportStore(root);
    EvaluationReport first = outcome.report();
    EvaluationReport second =
        new EvaluationReport(
            "eval-later",
            first.model(),
            first.label(),
            first.dataDescription(),
            first.examples(),
            first.k(),
            first.seed(),
            first.metrics(),
            first.iwll(),
            first.iwllCurve(),
            first.meanEffectiveSampleSize(),
            first.effectiveSampleSizes(),
            first.elbo(),
            first.distortion(),
            first.totalRate(),
            first.layers(),
            first.mutualInformation(),
            first.mmd(),
            first.mmdSamples(),
            first.phaseTimes(),
            first.wallTime(),
            first.examplesPerSecond(),
            first.created().plusSeconds(5));

    ReportFiles files = store.save(outcome);
    store.save(new EvaluationOutcome(second, outcome.previews()));

    assertThat(files.json()).exists();
    assertThat(store.load("eval-report-test")).isPresent();
    assertThat(store.load("eval-missing")).isEmpty();
    assertThat(store.list())
        .extracting(EvaluationReport::evaluationId)
        .containsExactly("eval-later", "eval-report-test");
    try (var entries = Files.list(root)) {
      assertThat(entries.filter(p -> p.getFileName().toString().startsWith("."))).isEmpty();
    }
  }

  private static long distinctColours(BufferedImage image) {
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
  }
}
