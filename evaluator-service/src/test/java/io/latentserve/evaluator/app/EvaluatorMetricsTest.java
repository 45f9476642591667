package io.latentserve.evaluator.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.latentserve.evaluator.core.EvaluationListener;
import io.latentserve.evaluator.core.EvaluationService;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.InferenceClientContract;
import io.latentserve.evaluator.core.Progress;
import io.latentserve.evaluator.core.ReferenceInferenceClient;
import io.latentserve.evaluator.grpc.EvaluatorGrpcService;
import io.latentserve.evaluator.report.ReportStore;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator's Prometheus metrics, read from the text exposition that Prometheus scrapes: the
 * progress gauges during an evaluation and their removal after it, and the counters.
 */
class EvaluatorMetricsTest {
  private static final String DONE = "latentserve_evaluation_examples_done";
  private static final String PLANNED = "latentserve_evaluation_examples_planned";
  private static final String PROCESSED = "latentserve_evaluation_examples_processed_total";
  private static final String WEIGHTS = Evaluator.PHASE_WEIGHTS;
  private static final String POSTERIOR = Evaluator.PHASE_POSTERIOR;
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

  @TempDir Path reports;

  private final EvaluatorMetrics metrics = new EvaluatorMetrics();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void onProgress_runningEvaluation_exposesDoneAndPlannedOfItsCurrentPhase() {
    metrics.onStarted("e1", "mnist-vae");
    metrics.onProgress("e1", progress(Evaluator.PHASE_MODEL, 0, 1));
    metrics.onProgress("e1", progress(WEIGHTS, 0, 100));
    metrics.onProgress("e1", progress(WEIGHTS, 40, 100));

    String scrape = metrics.scrape();

    assertThat(value(scrape, DONE, "mnist-vae", WEIGHTS)).hasValue(40);
    assertThat(value(scrape, PLANNED, "mnist-vae", WEIGHTS)).hasValue(100);
    assertThat(series(scrape, DONE)).as("only the current phase has a series").hasSize(1);
    assertThat(series(scrape, PLANNED)).hasSize(1);
    assertThat(value(scrape, PROCESSED, "mnist-vae", WEIGHTS)).hasValue(40);
    assertThat(value(scrape, "latentserve_evaluations_running", Map.of())).hasValue(1);
  }

  @Test
  void onProgress_nextPhase_movesTheGaugesAndCountsThatPhaseFromZero() {
    metrics.onStarted("e1", "mnist-vae");
    metrics.onProgress("e1", progress(WEIGHTS, 0, 100));
    metrics.onProgress("e1", progress(WEIGHTS, 100, 100));
    metrics.onProgress("e1", progress(POSTERIOR, 0, 100));
    metrics.onProgress("e1", progress(POSTERIOR, 25, 100));

    String scrape = metrics.scrape();

    assertThat(series(scrape, DONE)).containsOnlyKeys(labels("mnist-vae", POSTERIOR));
    assertThat(value(scrape, DONE, "mnist-vae", POSTERIOR)).hasValue(25);
    assertThat(value(scrape, PLANNED, "mnist-vae", POSTERIOR)).hasValue(100);
    assertThat(value(scrape, PROCESSED, "mnist-vae", WEIGHTS)).hasValue(100);
    assertThat(value(scrape, PROCESSED, "mnist-vae", POSTERIOR)).hasValue(25);
  }

  @Test
  void onProgress_twoEvaluationsOfOneModel_sumsThemUntilEachEnds() {
    metrics.onStarted("e1", "mnist-vae");
    metrics.onStarted("e2", "mnist-vae");
    metrics.onStarted("e3", "other");
    metrics.onProgress("e1", progress(WEIGHTS, 30, 100));
    metrics.onProgress("e2", progress(WEIGHTS, 5, 50));
    metrics.onProgress("e3", progress(WEIGHTS, 7, 10));

    String both = metrics.scrape();
    metrics.onFinished("e1", EvaluationListener.Outcome.CANCELLED, 0, Duration.ofSeconds(1));
    String second = metrics.scrape();

    assertThat(value(both, DONE, "mnist-vae", WEIGHTS)).hasValue(35);
    assertThat(value(both, PLANNED, "mnist-vae", WEIGHTS)).hasValue(150);
    assertThat(value(both, DONE, "other", WEIGHTS)).hasValue(7);
    assertThat(value(second, DONE, "mnist-vae", WEIGHTS)).hasValue(5);
    assertThat(value(second, PLANNED, "mnist-vae", WEIGHTS)).hasValue(50);
    assertThat(value(second, DONE, "other", WEIGHTS)).hasValue(7);
    assertThat(value(second, PROCESSED, "mnist-vae", WEIGHTS))
        .as("examples processed stay counted after a cancellation")
        .hasValue(35);
  }

  @Test
  void onFinished_lastEvaluation_removesTheProgressSeriesAndKeepsTheCounters() {
    metrics.onStarted("e1", "mnist-vae");
    metrics.onProgress("e1", progress(WEIGHTS, 60, 60));

    metrics.onFinished("e1", EvaluationListener.Outcome.SUCCEEDED, 60, Duration.ofSeconds(2));
    String after = metrics.scrape();

    assertThat(series(after, DONE)).isEmpty();
    assertThat(series(after, PLANNED)).isEmpty();
    assertThat(value(after, PROCESSED, "mnist-vae", WEIGHTS)).hasValue(60);
    assertThat(value(after, "latentserve_evaluation_examples_total", Map.of())).hasValue(60);
    assertThat(value(after, "latentserve_evaluations_total", Map.of("state", "succeeded")))
        .hasValue(1);
    assertThat(value(after, "latentserve_evaluations_running", Map.of())).hasValue(0);

    metrics.onStarted("e2", "mnist-vae");
    metrics.onProgress("e2", progress(WEIGHTS, 10, 60));
    assertThat(value(metrics.scrape(), DONE, "mnist-vae", WEIGHTS))
        .as("a later evaluation brings the series back")
        .hasValue(10);
  }

  @Test
  void onProgress_unknownEvaluation_isIgnored() {
    metrics.onProgress("never-started", progress(WEIGHTS, 1, 2));
    metrics.onFinished("never-started", EvaluationListener.Outcome.FAILED, 0, Duration.ZERO);

    assertThat(series(metrics.scrape(), DONE)).isEmpty();
    assertThat(series(metrics.scrape(), PROCESSED)).isEmpty();
  }

  /**
   * A real evaluation through the gRPC service: the gauges, as scraped from the evaluation's own
   * thread halfway through its importance weights, then after it.
   */
  @Test
  void evaluate_inlineData_progressGaugesDuringAndNoneAfter() throws Exception {
    List<String> midway = new ArrayList<>();
    EvaluationListener scrapingMidway =
        new EvaluationListener() {
          @Override
          public void onStarted(String evaluationId, String modelName) {
            metrics.onStarted(evaluationId, modelName);
          }

          @Override
          public void onProgress(String evaluationId, Progress progress) {
            metrics.onProgress(evaluationId, progress);
            if (progress.phase().equals(WEIGHTS) && progress.examplesDone() == 16) {
              midway.add(metrics.scrape());
            }
          }

          @Override
          public void onFinished(
              String evaluationId, Outcome outcome, long examples, Duration wallTime) {
            metrics.onFinished(evaluationId, outcome, examples, wallTime);
          }
        };
    EvaluatorGrpc.EvaluatorBlockingStub stub = start(scrapingMidway);

    List<EvaluateEvent> events = new ArrayList<>();
    stub.withDeadlineAfter(60, TimeUnit.SECONDS)
        .evaluate(
            EvaluateRequest.newBuilder()
                .setModel(ModelRef.newBuilder().setName(InferenceClientContract.MODEL))
                .setInlineData(tensor(InferenceClientContract.data(30, 1)))
                .setK(4)
                .setSeed(7)
                .addMetrics(Metric.METRIC_IWLL)
                .build())
        .forEachRemaining(events::add);
    String after = metrics.scrape();

    assertThat(events.get(events.size() - 1).getReport().getExamples()).isEqualTo(30);
    String model = InferenceClientContract.MODEL;
    assertThat(midway).as("a scrape at 16 of 30 importance-weighted examples").hasSize(1);
    assertThat(value(midway.get(0), DONE, model, WEIGHTS)).hasValue(16);
    assertThat(value(midway.get(0), PLANNED, model, WEIGHTS)).hasValue(30);
    assertThat(value(midway.get(0), PROCESSED, model, WEIGHTS)).hasValue(16);
    assertThat(value(midway.get(0), "latentserve_evaluations_running", Map.of())).hasValue(1);
    assertThat(series(after, DONE)).isEmpty();
    assertThat(series(after, PLANNED)).isEmpty();
    assertThat(value(after, PROCESSED, model, WEIGHTS)).hasValue(30);
    assertThat(value(after, "latentserve_evaluation_examples_total", Map.of())).hasValue(30);
    assertThat(value(after, "latentserve_evaluations_running", Map.of())).hasValue(0);
  }

  private EvaluatorGrpc.EvaluatorBlockingStub start(EvaluationListener listener) throws Exception {
    ExecutorService evaluations = Executors.newSingleThreadExecutor();
    ExecutorService calls = Executors.newSingleThreadExecutor();
    ReferenceInferenceClient inference =
        ReferenceInferenceClient.of(
            InferenceClientContract.MODEL, 1, InferenceClientContract.WEIGHTS);
    closeables.add(evaluations::shutdownNow);
    closeables.add(calls::shutdownNow);
    closeables.add(inference);
    // 8 rows per call, one call at a time: progress at 8, 16, 24 and 30 examples, in that order
    EvaluationService service =
        new EvaluationService(
            new Evaluator(inference, new EvaluatorOptions(2000, 8, 1 << 14, 1, 2, 200, 0, 0)),
            new ReportStore(reports),
            evaluations,
            calls,
            1,
            listener,
            Clock.systemUTC());
    String name = InProcessServerBuilder.generateName();
    Server server =
        InProcessServerBuilder.forName(name)
            .addService(new EvaluatorGrpcService(service))
            .build()
            .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    closeables.add(server::shutdownNow);
    closeables.add(channel::shutdownNow);
    closeables.add(() -> assertThat(service.awaitIdle(Duration.ofSeconds(20))).isTrue());
    return EvaluatorGrpc.newBlockingStub(channel);
  }

  private static Progress progress(String phase, long done, long total) {
    return new Progress(phase, done, total, Duration.ofSeconds(1), Duration.ZERO);
  }

  private static Map<String, String> labels(String model, String phase) {
    return Map.of("model", model, "phase", phase);
  }

  private static OptionalDouble value(String scrape, String name, String model, String phase) {
    return value(scrape, name, labels(model, phase));
  }

  /** The value of the series of {@code name} with exactly {@code labels}. */
  private static OptionalDouble value(String scrape, String name, Map<String, String> labels) {
    Double value = series(scrape, name).get(labels);
    return value == null ? OptionalDouble.empty() : OptionalDouble.of(value);
  }

  /** Every series of {@code name} in a Prometheus text exposition: labels to value. */
  private static Map<Map<String, String>, Double> series(String scrape, String name) {
    Map<Map<String, String>, Double> series = new HashMap<>();
    for (String line : scrape.lines().toList()) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> labels = new TreeMap<>();
      if (m.group(2) != null) {
        for (Matcher l = LABEL.matcher(m.group(2)); l.find(); ) {
          labels.put(l.group(1), l.group(2));
        }
      }
      series.put(Map.copyOf(labels), Double.parseDouble(m.group(3)));
    }
    return series;
  }

  private static Tensor tensor(FloatTensor t) {
    ByteBuffer b = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(t.data());
    Tensor.Builder tb = Tensor.newBuilder().setDtype(DataType.DATA_TYPE_FLOAT32);
    for (long d : t.shape()) {
      tb.addShape(d);
    }
    return tb.setData(ByteString.copyFrom(b.array())).build();
  }
}
