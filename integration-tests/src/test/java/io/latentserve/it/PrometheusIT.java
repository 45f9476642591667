package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationProgress;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.wire.TensorCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monitoring as deployed: the real Prometheus server (Debian's {@code prometheus} binary) scrapes
 * real inference-, trainer- and evaluator-service processes through deploy/prometheus/local.yml.
 * PromQL over its HTTP API sees the request rate and the batch-size histogram per model, the
 * progress of an evaluation while it runs, and every metric and label that the Grafana dashboard
 * (deploy/grafana/latentserve-dashboard.json) queries, once the services have trained, served and
 * evaluated: a dashboard that queries a metric no service exposes fails here.
 *
 * <p>The services are shared by the tests, which run one after the other: the burst's exact counts
 * use a model of their own ({@value #MODEL}), the evaluations another ({@value #EVAL_MODEL}), and
 * the one count without a model label (gRPC calls of Encode) is taken relative to its value before
 * the burst.
 */
class PrometheusIT {
  private static final String MODEL = "demo";
  private static final String EVAL_MODEL = "demo-eval";
  private static final String TRAINED_MODEL = "prometheus-vae";
  private static final int CONCURRENT_CALLS = 32;
  private static final int ROWS_PER_CALL = 2;
  private static final int FEATURES = 784;
  private static final int TEST_IMAGES = 2000;
  private static final Duration START = Duration.ofMinutes(2);
  private static final Duration TRAINING = Duration.ofMinutes(3);
  private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration PROMETHEUS_DEADLINE = Duration.ofSeconds(40);
  private static final Pattern INTERVAL =
      Pattern.compile("(?m)^(\\s*)(scrape_interval|evaluation_interval):\\s*\\S+\\s*$");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @TempDir static Path work;

  @RegisterExtension
  static final ServiceProcesses services = ServiceProcesses.stoppedAfterAll(PrometheusIT.class);

  private static final Map<String, ServiceProcess> processes = new HashMap<>();
  private static final Map<String, ManagedChannel> channels = new HashMap<>();
  private static Process prometheus;
  private static Path prometheusLog;
  private static URI prometheusUri;

  @BeforeAll
  static void start() throws Exception {
    Path binary = HostTool.require("prometheus", "Debian: apt-get install prometheus");
    Path data = RealData.dataDir(RealData.MNIST);

    FileSystemModelRepository repository = new FileSystemModelRepository(work.resolve("models"));
    DemoBundle.IWAE1.publish(repository, MODEL, 1);
    DemoBundle.IWAE1.publish(repository, EVAL_MODEL, 2);
    ServiceProcesses.Pipeline pipeline =
        services.startPipeline(repository.root(), data, work, START);
    ServiceProcess inference = pipeline.inference();
    ServiceProcess trainer = pipeline.trainer();
    ServiceProcess evaluator = pipeline.evaluator();
    processes.putAll(Map.of("inference", inference, "trainer", trainer, "evaluator", evaluator));
    processes.forEach((name, process) -> channels.put(name, Calls.channel(process)));

    String config =
        renderLocalConfig(
            Files.readString(HostTool.sourceRoot().resolve("deploy/prometheus/local.yml")),
            Map.of(
                "INFERENCE_METRICS_PORT", services.metricsPort(inference),
                "TRAINER_METRICS_PORT", services.metricsPort(trainer),
                "EVALUATOR_METRICS_PORT", services.metricsPort(evaluator)),
            SCRAPE_INTERVAL);
    Path configFile = Files.writeString(work.resolve("prometheus.yml"), config);
    int port = ServiceProcess.freePort();
    prometheusUri = URI.create("http://127.0.0.1:" + port);
    prometheusLog = work.resolve("prometheus.log");
    prometheus =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + Files.createDirectory(work.resolve("tsdb")),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(prometheusLog.toFile())
            .start();
    awaitReady();
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor();
      }
    }
    channels.values().forEach(ManagedChannel::shutdownNow);
  }

  /**
   * Fills local.yml's {@code ${NAME}} placeholders with ports and sets its scrape and evaluation
   * intervals (2 s in the file) to {@code interval}, so that a rate has two samples sooner.
   */
  static String renderLocalConfig(String template, Map<String, Integer> ports, Duration interval) {
    String filled = template;
    for (Map.Entry<String, Integer> port : ports.entrySet()) {
      filled = filled.replace("${" + port.getKey() + "}", Integer.toString(port.getValue()));
    }
    // comments may name placeholders; the configuration itself must have none left
    assertThat(filled.lines().filter(line -> !line.strip().startsWith("#")))
        .as("local.yml with ports for %s", ports.keySet())
        .noneMatch(line -> PLACEHOLDER.matcher(line).find());
    Matcher intervals = INTERVAL.matcher(filled);
    assertThat(intervals.results().count())
        .as("scrape_interval and evaluation_interval in local.yml")
        .isEqualTo(2);
    return intervals.replaceAll("$1$2: " + interval.toSeconds() + "s");
  }

  @Test
  void localConfig_renderedWithRealPorts_scrapesEveryServiceUp() {
    List<Sample> up =
        awaitQuery(
            "up == 1", result -> result.size() == 3, "an up series of value 1 for each of 3 jobs");

    Map<String, Sample> upByJob = new HashMap<>();
    up.forEach(s -> upByJob.put(s.labels().get("job"), s));
    assertThat(upByJob)
        .containsOnlyKeys("latentserve-inference", "latentserve-trainer", "latentserve-evaluator");
    for (String service : List.of("inference", "trainer", "evaluator")) {
      assertThat(upByJob.get("latentserve-" + service).labels())
          .containsEntry("instance", "127.0.0.1:" + services.metricsPort(processes.get(service)))
          .containsEntry("component", service);
    }
    assertThat(
            query(
                "latentserve_model_device{job=\"latentserve-inference\",model=\"" + MODEL + "\"}"))
        .singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("version", "1"))
        .extracting(Sample::value)
        .isEqualTo(1.0);
  }

  @Test
  void encodeBurst_scrapedByPrometheus_requestRateAndBatchSizeHistogramPerModel() {
    String selector = "{job=\"latentserve-inference\",model=\"" + MODEL + "\"";
    String requestRate =
        "sum(rate(latentserve_requests_total" + selector + ",method=\"Encode\"}[30s]))";
    String buckets = "latentserve_batch_size_rows_bucket" + selector + ",graph=\"encoder\"}";

    String grpcEncodes =
        "sum(grpc_server_processing_duration_seconds_count{job=\"latentserve-inference\","
            + "method=\"Encode\",statusCode=\"OK\"})";
    // Other tests' evaluations call Encode too (of another model): the gRPC count, which has no
    // model label, is compared with its value before the burst, read from the service itself.
    double encodesBefore = grpcEncodeCount();
    // Prometheus's first scrape comes some seconds after its start: no point sending before it.
    awaitValue("up{job=\"latentserve-inference\"}", 1);
    // Bursts until Prometheus has two scrapes that differ: a rate needs an increase between them.
    int calls = 0;
    Instant deadline = Instant.now().plus(PROMETHEUS_DEADLINE);
    List<Sample> rate = List.of();
    while (true) {
      calls += encodeBurst();
      rate = pollQuery(requestRate);
      if (!rate.isEmpty() && rate.get(0).value() > 0 && !pollQuery(buckets).isEmpty()) {
        break;
      }
      pollPause(deadline, "a request rate > 0 from " + requestRate + ", last " + rate);
    }
    assertThat(rate.get(0).value()).as("Encode requests/s").isPositive().isFinite();

    // No more calls: Prometheus's next scrapes must see exactly what was sent. (Each meter is
    // recorded at its own moment of a call, so each is awaited rather than read once.)
    int sent = calls;
    awaitValue("sum(latentserve_requests_total" + selector + ",method=\"Encode\"})", sent);
    awaitValue(grpcEncodes, encodesBefore + sent);
    awaitValue(
        "sum(latentserve_rows_total" + selector + ",method=\"Encode\"})",
        (double) sent * ROWS_PER_CALL);
    // The histogram: every row in exactly one encoder batch, each batch one or more requests.
    awaitValue(
        "sum(latentserve_batch_size_rows_sum" + selector + ",graph=\"encoder\"})",
        (double) sent * ROWS_PER_CALL);
    List<Sample> bucketSeries = query(buckets);
    assertThat(bucketSeries)
        .allSatisfy(
            s ->
                assertThat(s.labels())
                    .containsEntry("model", MODEL)
                    .containsEntry("version", "1")
                    .containsEntry("graph", "encoder")
                    .containsKey("le"));
    List<Sample> cumulative =
        bucketSeries.stream().sorted(Comparator.comparingDouble(Sample::le)).toList();
    for (int i = 1; i < cumulative.size(); i++) {
      assertThat(cumulative.get(i).value())
          .as("bucket le=%s >= bucket le=%s", cumulative.get(i).le(), cumulative.get(i - 1).le())
          .isGreaterThanOrEqualTo(cumulative.get(i - 1).value());
    }
    Sample all = cumulative.get(cumulative.size() - 1);
    assertThat(all.le()).isInfinite();
    double batches =
        query("sum(latentserve_batch_size_rows_count" + selector + ",graph=\"encoder\"})")
            .get(0)
            .value();
    assertThat(all.value()).as("le=+Inf bucket == _count").isEqualTo(batches);
    assertThat(batches).as("encoder batches for %d calls", sent).isBetween(1.0, (double) sent);
    List<Sample> median =
        query(
            "histogram_quantile(0.5, sum by (model, le) (rate(latentserve_batch_size_rows_bucket"
                + selector
                + ",graph=\"encoder\"}[30s])))");
    assertThat(median)
        .singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("model", MODEL));
    assertThat(median.get(0).value())
        .as("median rows per batch")
        .isBetween((double) ROWS_PER_CALL / 2, (double) CONCURRENT_CALLS * ROWS_PER_CALL);
  }

  /**
   * The services at work, each scraped by Prometheus: the trainer trains a small model; the
   * evaluator runs a long evaluation, whose progress gauges Prometheus must see while it runs and
   * lose once it is cancelled, then a short one to its report. Then every metric that the Grafana
   * dashboard queries must be known to Prometheus, and every label a query uses must exist on the
   * series of the metrics of that query.
   */
  @Test
  void dashboard_afterTrainingServingAndEvaluating_everyMetricAndLabelItQueriesExists()
      throws Exception {
    awaitValue("up{job=\"latentserve-trainer\"}", 1);
    awaitValue("up{job=\"latentserve-evaluator\"}", 1);
    String evalSelector = "{job=\"latentserve-evaluator\",model=\"" + EVAL_MODEL + "\"";

    // the trainer
    TrainerGrpc.TrainerBlockingStub trainer = TrainerGrpc.newBlockingStub(channels.get("trainer"));
    Job job = Calls.submit(trainer, Calls.smallElboJob(TRAINED_MODEL, 8, 64, 1, 100, 3, 5));
    JobEvent trained = Calls.watch(trainer, job.getJobId(), TRAINING, event -> false);
    assertThat(trained.getJob().getState())
        .as("training job: %s", trained.getJob().getReason())
        .isEqualTo(JobState.JOB_STATE_SUCCEEDED);
    awaitValue(
        "latentserve_trainer_steps_total{job=\"latentserve-trainer\",model=\""
            + TRAINED_MODEL
            + "\"}",
        trained.getJob().getTotalSteps());
    awaitValue("latentserve_trainer_jobs{job=\"latentserve-trainer\",state=\"succeeded\"}", 1);

    // a long evaluation: its progress while it runs, then nothing once it is cancelled
    EvaluatorGrpc.EvaluatorBlockingStub evaluator =
        EvaluatorGrpc.newBlockingStub(channels.get("evaluator"));
    EvaluateRequest longRequest = evaluateRequest(0, 2000).addMetrics(Metric.METRIC_IWLL).build();
    AtomicReference<EvaluationProgress> latest = new AtomicReference<>();
    Context.CancellableContext call = Context.current().withCancellation();
    CompletableFuture<Status> longEvaluation = new CompletableFuture<>();
    CompletableFuture.runAsync(
        call.wrap(
            () -> {
              try {
                Calls.evaluate(evaluator, longRequest, TRAINING, latest::set);
                longEvaluation.complete(Status.OK);
              } catch (StatusRuntimeException e) {
                longEvaluation.complete(e.getStatus());
              } catch (RuntimeException | Error e) {
                longEvaluation.completeExceptionally(e);
              }
            }));
    List<Sample> planned;
    try {
      planned =
          awaitQuery(
              "latentserve_evaluation_examples_planned" + evalSelector + "}",
              result -> {
                assertThat(longEvaluation)
                    .as("the long evaluation must still run when Prometheus scrapes it")
                    .isNotDone();
                return result.size() == 1
                    && result.get(0).labels().get("phase").equals("importance-weights");
              },
              "the progress of the running evaluation");
    } finally {
      call.cancel(null);
    }
    assertThat(planned.get(0).value()).isEqualTo(TEST_IMAGES);
    List<Sample> done = query("latentserve_evaluation_examples_done" + evalSelector + "}");
    assertThat(done)
        .singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("phase", "importance-weights"))
        .extracting(Sample::value)
        .satisfies(v -> assertThat(v).isBetween(0.0, (double) TEST_IMAGES));
    assertThat(longEvaluation.get(30, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(latest.get().getPhase()).isEqualTo("importance-weights");
    awaitValue(
        "sum(latentserve_evaluations_total{job=\"latentserve-evaluator\",state=\"cancelled\"})", 1);
    awaitValue("latentserve_evaluations_running{job=\"latentserve-evaluator\"}", 0);
    awaitQuery(
        "latentserve_evaluation_examples_planned" + evalSelector + "}",
        List::isEmpty,
        "no progress series once the evaluation ended");

    // a short evaluation of every metric, to its report
    EvaluationReport report =
        Calls.evaluate(evaluator, evaluateRequest(50, 10).build(), TRAINING, progress -> {});
    assertThat(report.getExamples()).isEqualTo(50);
    awaitValue(
        "sum(latentserve_evaluations_total{job=\"latentserve-evaluator\",state=\"succeeded\"})", 1);
    awaitValue(
        "sum(latentserve_evaluation_examples_processed_total"
            + evalSelector
            + ",phase=\"posterior-statistics\"})",
        50);

    // the dashboard
    List<DashboardQueries.Query> queries =
        DashboardQueries.read(
            HostTool.sourceRoot().resolve("deploy/grafana/latentserve-dashboard.json"));
    Set<String> known = new TreeSet<>();
    get("/api/v1/label/__name__/values", 200).path("data").forEach(n -> known.add(n.asText()));
    Map<String, Set<String>> labelsOf = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    for (DashboardQueries.Query q : queries) {
      Set<String> available = new TreeSet<>();
      for (String metric : q.metrics()) {
        if (!known.contains(metric)) {
          problems.add(q.where() + ": metric " + metric + " is unknown to Prometheus");
        }
        available.addAll(labelsOf.computeIfAbsent(metric, PrometheusIT::seriesLabels));
      }
      for (String label : q.labels()) {
        if (!available.contains(label)) {
          problems.add(q.where() + ": label " + label + " is on no series of " + q.metrics());
        }
      }
    }
    assertThat(labelsOf.keySet())
        .as("metrics of the dashboard")
        .contains(
            "grpc_server_processing_duration_seconds_bucket",
            "latentserve_batch_size_rows_bucket",
            "latentserve_evaluation_examples_done",
            "latentserve_trainer_steps_total");
    assertThat(problems)
        .as(
            "dashboard queries of metrics and labels that Prometheus does not have (it knows %s)",
            known)
        .isEmpty();
  }

  /** An evaluation of {@link #EVAL_MODEL} on the first {@code limit} test images (0: all). */
  private static EvaluateRequest.Builder evaluateRequest(int limit, int k) {
    return EvaluateRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName(EVAL_MODEL))
        .setDataset(
            DatasetSplit.newBuilder()
                .setName(RealData.MNIST)
                .setSplit("test")
                .setLimit(limit)
                .setBinarizationSeed(1))
        .setK(k)
        .setSeed(2);
  }

  /** The label names of every series of {@code metric} that Prometheus holds. */
  private static Set<String> seriesLabels(String metric) {
    JsonNode body =
        get(
            "/api/v1/series?match[]="
                + URLEncoder.encode("{__name__=\"" + metric + "\"}", StandardCharsets.UTF_8),
            200);
    Set<String> labels = new TreeSet<>();
    body.path("data").forEach(series -> series.fieldNames().forEachRemaining(labels::add));
    labels.remove("__name__");
    return labels;
  }

  /** Encode calls that inference-service answered OK, read from its own /metrics. */
  private static double grpcEncodeCount() {
    double sum = 0;
    String scrape = Calls.scrape(services.metricsPort(processes.get("inference")));
    for (String line : scrape.lines().toList()) {
      if (line.startsWith("grpc_server_processing_duration_seconds_count{")
          && line.contains("method=\"Encode\"")
          && line.contains("statusCode=\"OK\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** {@link #CONCURRENT_CALLS} Encode calls at once, so that batches form; waits for all. */
  private static int encodeBurst() {
    InferenceGrpc.InferenceFutureStub stub = InferenceGrpc.newFutureStub(channels.get("inference"));
    float[] x = new float[ROWS_PER_CALL * FEATURES];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 7) / 7f;
    }
    EncodeRequest request =
        EncodeRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName(MODEL))
            .setX(TensorCodec.encode(FloatTensor.of(x, ROWS_PER_CALL, FEATURES)))
            .build();
    List<ListenableFuture<EncodeResponse>> calls = new ArrayList<>();
    for (int i = 0; i < CONCURRENT_CALLS; i++) {
      calls.add(stub.withDeadlineAfter(30, TimeUnit.SECONDS).encode(request));
    }
    for (ListenableFuture<EncodeResponse> call : calls) {
      try {
        assertThat(call.get().getLayersCount()).isEqualTo(1);
      } catch (ExecutionException e) {
        throw new AssertionError("Encode failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    return CONCURRENT_CALLS;
  }

  /** One series of an instant query's vector result. */
  record Sample(Map<String, String> labels, double value) {
    Sample {
      labels = Map.copyOf(labels);
    }

    /** The {@code le} label of a histogram bucket. */
    double le() {
      return parseValue(labels.get("le"));
    }
  }

  private static List<Sample> query(String promql) {
    JsonNode body =
        get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8), 200);
    assertThat(body.path("status").asText())
        .as("status of %s: %s", promql, body)
        .isEqualTo("success");
    assertThat(body.at("/data/resultType").asText())
        .as("result type of %s", promql)
        .isEqualTo("vector");
    List<Sample> samples = new ArrayList<>();
    for (JsonNode series : body.at("/data/result")) {
      Map<String, String> labels = new HashMap<>();
      series
          .path("metric")
          .properties()
          .forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
      samples.add(new Sample(labels, parseValue(series.path("value").get(1).asText())));
    }
    return samples;
  }

  /** Prometheus writes sample values as strings, with "+Inf", "-Inf" and "NaN". */
  private static double parseValue(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  /**
   * {@link #query} in a polling loop: a query that times out (a loaded machine) returns no series,
   * so that the loop polls again until its deadline.
   */
  private static List<Sample> pollQuery(String promql) {
    try {
      return query(promql);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof HttpTimeoutException) {
        return List.of();
      }
      throw e;
    }
  }

  private static List<Sample> awaitQuery(
      String promql, Predicate<List<Sample>> condition, String what) {
    Instant deadline = Instant.now().plus(PROMETHEUS_DEADLINE);
    while (true) {
      List<Sample> result = pollQuery(promql);
      if (condition.test(result)) {
        return result;
      }
      pollPause(deadline, what + " from " + promql + ", last " + result);
    }
  }

  /** Polls an instant query with one series until its value is {@code expected}. */
  private static void awaitValue(String promql, double expected) {
    awaitQuery(
        promql,
        result -> result.size() == 1 && result.get(0).value() == expected,
        "value " + expected);
  }

  private static void awaitReady() {
    Instant deadline = Instant.now().plus(PROMETHEUS_DEADLINE);
    while (true) {
      try {
        HttpResponse<String> ready =
            HTTP.send(
                HttpRequest.newBuilder(prometheusUri.resolve("/-/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet: poll again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
      pollPause(deadline, "Prometheus /-/ready");
    }
  }

  /**
   * The poll interval of a loop that checks a condition: waits on the Prometheus process, so that
   * its death ends the wait at once; fails once {@code deadline} has passed or Prometheus is gone.
   */
  private static void pollPause(Instant deadline, String awaited) {
    if (!prometheus.isAlive()) {
      fail("Prometheus exited with code %d; its log:%n%s", prometheus.exitValue(), log());
    }
    if (Instant.now().isAfter(deadline)) {
      fail("no %s within %s; Prometheus log:%n%s", awaited, PROMETHEUS_DEADLINE, log());
    }
    try {
      prometheus.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static JsonNode get(String pathAndQuery, int expectedStatus) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(prometheusUri.resolve(pathAndQuery))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode())
          .as("GET %s: %s", pathAndQuery, response.body())
          .isEqualTo(expectedStatus);
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + pathAndQuery, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String log() {
    try {
      return Files.readString(prometheusLog);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
