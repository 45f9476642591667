package io.latentserve.evaluator.app;

import io.latentserve.evaluator.client.InferenceCallListener;
import io.latentserve.evaluator.grpc.EvaluationListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The evaluator's Prometheus metrics.
 *
 * <ul>
 *   <li>{@code grpc_server_*}: per-RPC calls and latency histograms, recorded into {@link
 *       #registry()} by {@link io.latentserve.service.GrpcServerLifecycle}
 *   <li>{@code latentserve_evaluations_total}{state}: finished evaluations by final state
 *       (succeeded, failed, cancelled, deadline_exceeded)
 *   <li>{@code latentserve_evaluations_running}: evaluations running now
 *   <li>{@code latentserve_evaluation_examples_total}: examples evaluated ({@code rate()} of it is
 *       examples per second)
 *   <li>{@code latentserve_evaluation_examples_per_second}: throughput of the last evaluation
 *   <li>{@code latentserve_evaluation_duration_seconds}{state}: evaluation wall time (histogram)
 *   <li>{@code latentserve_inference_calls_total}{method, status}: attempts of inference calls
 *   <li>{@code latentserve_inference_call_duration_seconds}{method}: their latency (histogram)
 *   <li>{@code latentserve_inference_retries_total}{method, status}: attempts retried
 * </ul>
 */
public final class EvaluatorMetrics implements EvaluationListener, InferenceCallListener {
  private final PrometheusMeterRegistry registry;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicLong lastThroughputMicros = new AtomicLong();

  public EvaluatorMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder("latentserve.evaluations.running", running, AtomicInteger::get)
        .description("Evaluations running now")
        .register(registry);
    Gauge.builder(
            "latentserve.evaluation.examples.per.second", lastThroughputMicros, v -> v.get() / 1e6)
        .description("Examples per second of the last successful evaluation")
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void onStarted() {
    running.incrementAndGet();
  }

  @Override
  public void onFinished(Outcome outcome, long examples, Duration wallTime) {
    running.decrementAndGet();
    String state = outcome.name().toLowerCase(Locale.ROOT);
    Counter.builder("latentserve.evaluations")
        .description("Finished evaluations by final state")
        .tag("state", state)
        .register(registry)
        .increment();
    Timer.builder("latentserve.evaluation.duration")
        .description("Wall time of evaluations")
        .tag("state", state)
        .publishPercentileHistogram()
        .register(registry)
        .record(wallTime);
    if (outcome == Outcome.SUCCEEDED) {
      Counter.builder("latentserve.evaluation.examples")
          .description("Examples evaluated by successful evaluations")
          .register(registry)
          .increment(examples);
      double seconds = Math.max(1e-9, wallTime.toNanos() / 1e9);
      lastThroughputMicros.set(Math.round(examples / seconds * 1e6));
    }
  }

  @Override
  public void onAttempt(String method, String status, Duration latency) {
    Counter.builder("latentserve.inference.calls")
        .description("Attempts of calls to the inference service")
        .tags("method", method, "status", status)
        .register(registry)
        .increment();
    Timer.builder("latentserve.inference.call.duration")
        .description("Latency of attempts of calls to the inference service")
        .tag("method", method)
        .publishPercentileHistogram()
        .register(registry)
        .record(latency);
  }

  @Override
  public void onRetry(String method, String status) {
    Counter.builder("latentserve.inference.retries")
        .description("Failed inference calls retried on the next replica")
        .tags("method", method, "status", status)
        .register(registry)
        .increment();
  }
}
