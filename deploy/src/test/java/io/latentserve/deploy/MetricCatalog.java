package io.latentserve.deploy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.latentserve.bundle.GraphRole;
import io.latentserve.evaluator.app.EvaluatorMetrics;
import io.latentserve.evaluator.core.EvaluationListener;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.Progress;
import io.latentserve.inference.app.InferenceMetrics;
import io.latentserve.inference.batching.BatchListener;
import io.latentserve.inference.core.ModelId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Prometheus metrics the services expose, with their label names: what the dashboard may query.
 * They come from scrapes of the real {@link InferenceMetrics} registry (with the gRPC interceptor's
 * metrics, which all three services share) after a real gRPC call and one of each batching event,
 * and of the real {@link EvaluatorMetrics} registry during and after one evaluation.
 *
 * <p>The trainer's metrics ({@value #TRAINER_PREFIX}*) are not here: its registry comes with the
 * trainer (Deeplearning4j), which this module does not depend on. integration-tests {@code
 * PrometheusIT} checks every metric and label of the dashboard, the trainer's included, against a
 * real Prometheus that scrapes the three services while they train, serve and evaluate.
 */
final class MetricCatalog {
  /** The prefix of the trainer's metrics, which PrometheusIT checks instead. */
  static final String TRAINER_PREFIX = "latentserve_trainer_";

  /**
   * Inference metrics that only appear once a model is loaded, which this catalogue does not do:
   * named in {@link InferenceMetrics}' documentation.
   */
  static final Map<String, Set<String>> NEEDS_A_MODEL =
      Map.of("latentserve_model_device", Set.of("model", "version", "device"));

  /** Labels every scraped series gets from its target. */
  static final Set<String> TARGET_LABELS =
      Set.of("instance", "job", "namespace", "pod", "component");

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+\\S+.*$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  private MetricCatalog() {}

  /** Every metric of the inference and evaluator services and its label names. */
  static Map<String, Set<String>> all() {
    Map<String, Set<String>> all = new TreeMap<>(inferenceService());
    all.putAll(NEEDS_A_MODEL);
    evaluatorService().forEach((name, labels) -> merge(all, name, labels));
    return all;
  }

  /**
   * Sample names and label names of scrapes of the evaluator service's real registry: one while an
   * evaluation runs (its progress gauges exist only then) and one after it ended.
   */
  static Map<String, Set<String>> evaluatorService() {
    EvaluatorMetrics metrics = new EvaluatorMetrics();
    metrics.onStarted("eval-1", "demo");
    metrics.onProgress(
        "eval-1",
        new Progress(Evaluator.PHASE_WEIGHTS, 8, 16, Duration.ofSeconds(1), Duration.ofSeconds(1)));
    metrics.onAttempt("ImportanceWeights", "UNAVAILABLE", Duration.ofMillis(2));
    metrics.onRetry("ImportanceWeights", "UNAVAILABLE");
    metrics.onAttempt("ImportanceWeights", "OK", Duration.ofMillis(3));
    Map<String, Set<String>> names = parse(metrics.scrape());
    metrics.onFinished("eval-1", EvaluationListener.Outcome.SUCCEEDED, 16, Duration.ofSeconds(2));
    parse(metrics.scrape()).forEach((name, labels) -> merge(names, name, labels));
    return names;
  }

  private static void merge(Map<String, Set<String>> into, String name, Set<String> labels) {
    into.computeIfAbsent(name, k -> new TreeSet<>()).addAll(labels);
  }

  /** Sample names and label names of a scrape of the inference service's real registry. */
  static Map<String, Set<String>> inferenceService() {
    InferenceMetrics metrics = new InferenceMetrics();
    String name = InProcessServerBuilder.generateName();
    HealthStatusManager health = new HealthStatusManager();
    Server server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    health.getHealthService(), metrics.serverInterceptor()))
            .build();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      server.start();
      HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      ModelId model = new ModelId("demo", 1);
      metrics.requestListener().onServed(model, "Encode", 8);
      BatchListener batches = metrics.batchListener(model);
      batches.onBatch(GraphRole.ENCODER, 2, 8, Duration.ofMillis(1), Duration.ofMillis(3));
      batches.onRejected(GraphRole.ENCODER);
      return parse(metrics.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  /** Sample name to label names, from Prometheus text exposition. */
  static Map<String, Set<String>> parse(String exposition) {
    Map<String, Set<String>> names = new TreeMap<>();
    for (String line : exposition.lines().toList()) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      Set<String> labels = names.computeIfAbsent(m.group(1), k -> new TreeSet<>());
      if (m.group(2) != null) {
        for (Matcher l = LABEL.matcher(m.group(2)); l.find(); ) {
          labels.add(l.group(1));
        }
      }
    }
    return names;
  }
}
