package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.inference.grpc.TensorCodec;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ModelRef;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monitoring as deployed: the real Prometheus server (Debian's {@code prometheus} binary) scrapes a
 * real inference-service process through deploy/prometheus/local.yml, and PromQL over its HTTP API
 * sees the request rate and the batch-size histogram per model.
 */
class PrometheusIT {
  private static final String MODEL = "demo";
  private static final int CONCURRENT_CALLS = 32;
  private static final int ROWS_PER_CALL = 2;
  private static final int FEATURES = 784;
  private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration PROMETHEUS_DEADLINE = Duration.ofSeconds(40);
  private static final Pattern INTERVAL =
      Pattern.compile("(?m)^(\\s*)(scrape_interval|evaluation_interval):\\s*\\S+\\s*$");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;

  private ServiceProcess inference;
  private int metricsPort;
  private Process prometheus;
  private Path prometheusLog;
  private URI prometheusUri;
  private ManagedChannel channel;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @BeforeEach
  void start() throws Exception {
    Path binary = HostTool.require("prometheus", "Debian: apt-get install prometheus");

    FileSystemModelRepository repository = new FileSystemModelRepository(work.resolve("models"));
    DemoBundle.IWAE1.publish(repository, MODEL, 1);
    metricsPort = ServiceProcess.freePort();
    inference =
        ServiceProcess.start(
            "inference",
            ServiceProcess.freePort(),
            List.of(
                "--model-repository", repository.root().toString(),
                "--metrics-port", Integer.toString(metricsPort)),
            Files.createFile(work.resolve("inference.log")));
    try {
      inference.awaitServing(Duration.ofMinutes(2), elapsed -> {});
    } catch (RuntimeException e) {
      throw new AssertionError(
          e.getMessage() + "; its log:\n" + Files.readString(inference.log()), e);
    }
    channel = ManagedChannelBuilder.forTarget(inference.target()).usePlaintext().build();

    // Trainer and evaluator do not run here: their targets are free ports, scraped as down.
    String config =
        renderLocalConfig(
            Files.readString(HostTool.sourceRoot().resolve("deploy/prometheus/local.yml")),
            Map.of(
                "INFERENCE_METRICS_PORT", metricsPort,
                "TRAINER_METRICS_PORT", ServiceProcess.freePort(),
                "EVALUATOR_METRICS_PORT", ServiceProcess.freePort()),
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

  @AfterEach
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor();
      }
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (inference != null) {
      inference.close();
    }
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
  void localConfig_renderedWithRealPorts_scrapesInferenceUpAndOtherJobsDown() {
    List<Sample> up =
        awaitQuery("up", result -> result.size() == 3, "an up series for each of the 3 jobs");

    Map<String, Double> upByJob = new HashMap<>();
    up.forEach(s -> upByJob.put(s.labels().get("job"), s.value()));
    assertThat(upByJob)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "latentserve-inference", 1.0,
                "latentserve-trainer", 0.0,
                "latentserve-evaluator", 0.0));
    Sample inferenceUp =
        up.stream()
            .filter(s -> s.labels().get("job").equals("latentserve-inference"))
            .findFirst()
            .orElseThrow();
    assertThat(inferenceUp.labels())
        .containsEntry("instance", "127.0.0.1:" + metricsPort)
        .containsEntry("component", "inference");
    assertThat(query("latentserve_models_loaded{job=\"latentserve-inference\"}"))
        .singleElement()
        .extracting(Sample::value)
        .isEqualTo(1.0);
  }

  @Test
  void encodeBurst_scrapedByPrometheus_requestRateAndBatchSizeHistogramPerModel() {
    String selector = "{job=\"latentserve-inference\",model=\"" + MODEL + "\"";
    String requestRate =
        "sum(rate(latentserve_requests_total" + selector + ",method=\"Encode\"}[30s]))";
    String buckets = "latentserve_batch_size_rows_bucket" + selector + ",graph=\"encoder\"}";

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
    awaitValue(
        "sum(grpc_server_processing_duration_seconds_count{job=\"latentserve-inference\","
            + "method=\"Encode\",statusCode=\"OK\"})",
        sent);
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

  /** {@link #CONCURRENT_CALLS} Encode calls at once, so that batches form; waits for all. */
  private int encodeBurst() {
    InferenceGrpc.InferenceFutureStub stub = InferenceGrpc.newFutureStub(channel);
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

  private List<Sample> query(String promql) {
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
  private List<Sample> pollQuery(String promql) {
    try {
      return query(promql);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof HttpTimeoutException) {
        return List.of();
      }
      throw e;
    }
  }

  private List<Sample> awaitQuery(String promql, Predicate<List<Sample>> condition, String what) {
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
  private void awaitValue(String promql, double expected) {
    awaitQuery(
        promql,
        result -> result.size() == 1 && result.get(0).value() == expected,
        "value " + expected);
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(PROMETHEUS_DEADLINE);
    while (true) {
      try {
        HttpResponse<String> ready =
            http.send(
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
  private void pollPause(Instant deadline, String awaited) {
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

  private JsonNode get(String pathAndQuery, int expectedStatus) {
    try {
      HttpResponse<String> response =
          http.send(
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

  private String log() {
    try {
      return Files.readString(prometheusLog);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
