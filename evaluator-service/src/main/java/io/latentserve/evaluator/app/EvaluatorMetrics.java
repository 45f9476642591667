package io.latentserve.evaluator.app;

import io.latentserve.evaluator.client.InferenceCallListener;
import io.latentserve.evaluator.core.EvaluationListener;
import io.latentserve.evaluator.core.Progress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The evaluator's Prometheus metrics.
 *
 * <ul>
 *   <li>{@code grpc_server_*}: per-RPC calls and latency histograms, recorded into {@link
 *       #registry()} by {@link io.latentserve.server.GrpcServerLifecycle}
 *   <li>{@code latentserve_evaluations_total}{state}: finished evaluations by final state
 *       (succeeded, failed, cancelled, deadline_exceeded)
 *   <li>{@code latentserve_evaluations_running}: evaluations running now
 *   <li>{@code latentserve_evaluation_examples_total}: examples of successful evaluations, counted
 *       when each one ends
 *   <li>{@code latentserve_evaluation_examples_processed_total}{model, phase}: examples through
 *       each phase of every evaluation, counted as they are done ({@code rate()} of it is examples
 *       per second while evaluations run)
 *   <li>{@code latentserve_evaluation_examples_done}{model, phase} and {@code
 *       latentserve_evaluation_examples_planned}{model, phase}: how far the running evaluations of
 *       a model are in their current phase (their ratio is the progress), summed over the running
 *       evaluations of that model in that phase; a series exists only while an evaluation is in
 *       that phase, so that there are never more of them than running evaluations
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

  /** Where each running evaluation stands, by evaluation id. Guarded by {@code this}. */
  private final Map<String, Standing> standings = new HashMap<>();

  /** Progress summed per model and phase, with its gauges. Guarded by {@code this}. */
  private final Map<PhaseKey, PhaseProgress> phases = new HashMap<>();

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
  public void onStarted(String evaluationId, String modelName) {
    running.incrementAndGet();
    synchronized (this) {
      standings.put(evaluationId, new Standing(modelName));
    }
  }

  @Override
  public synchronized void onProgress(String evaluationId, Progress progress) {
    Standing standing = standings.get(evaluationId);
    if (standing == null) {
      return;
    }
    String phase = progress.phase();
    boolean samePhase = phase.equals(standing.phase);
    long newlyDone = progress.examplesDone() - (samePhase ? standing.done : 0);
    if (newlyDone > 0) {
      Counter.builder("latentserve.evaluation.examples.processed")
          .description("Examples through each phase of the evaluations, counted as they are done")
          .tags(Tags.of("model", standing.model, "phase", phase))
          .register(registry)
          .increment(newlyDone);
    }
    if (samePhase) {
      PhaseProgress sums = phases.get(standing.key());
      sums.done.addAndGet(newlyDone);
      sums.planned.addAndGet(progress.examplesTotal() - standing.planned);
    } else {
      leavePhase(standing);
      standing.phase = phase;
      PhaseProgress sums = phases.computeIfAbsent(standing.key(), this::newPhase);
      sums.evaluations++;
      sums.done.addAndGet(progress.examplesDone());
      sums.planned.addAndGet(progress.examplesTotal());
    }
    standing.done = progress.examplesDone();
    standing.planned = progress.examplesTotal();
  }

  @Override
  public void onFinished(String evaluationId, Outcome outcome, long examples, Duration wallTime) {
    running.decrementAndGet();
    synchronized (this) {
      Standing standing = standings.remove(evaluationId);
      if (standing != null) {
        leavePhase(standing);
      }
    }
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

  /** Takes an evaluation's share out of its phase's sums; drops the gauges once none is left. */
  private void leavePhase(Standing standing) {
    if (standing.phase == null) {
      return;
    }
    PhaseKey key = standing.key();
    PhaseProgress sums = phases.get(key);
    sums.done.addAndGet(-standing.done);
    sums.planned.addAndGet(-standing.planned);
    if (--sums.evaluations == 0) {
      phases.remove(key);
      sums.gauges.forEach(registry::remove);
    }
  }

  private PhaseProgress newPhase(PhaseKey key) {
    PhaseProgress sums = new PhaseProgress();
    Tags tags = Tags.of("model", key.model(), "phase", key.phase());
    sums.gauges =
        List.of(
            Gauge.builder("latentserve.evaluation.examples.done", sums.done, AtomicLong::get)
                .description("Examples done in the current phase of the running evaluations")
                .tags(tags)
                .strongReference(true)
                .register(registry),
            Gauge.builder("latentserve.evaluation.examples.planned", sums.planned, AtomicLong::get)
                .description("Examples of the current phase of the running evaluations")
                .tags(tags)
                .strongReference(true)
                .register(registry));
    return sums;
  }

  /** The model and phase of the progress gauges. */
  private record PhaseKey(String model, String phase) {}

  /** One running evaluation's last progress. */
  private static final class Standing {
    final String model;
    String phase;
    long done;
    long planned;

    Standing(String model) {
      this.model = model;
    }

    PhaseKey key() {
      return new PhaseKey(model, phase);
    }
  }

  /**
   * The progress of the running evaluations of one model in one phase: read by the gauges at every
   * scrape without a lock, changed under the metrics' lock.
   */
  private static final class PhaseProgress {
    final AtomicLong done = new AtomicLong();
    final AtomicLong planned = new AtomicLong();
    int evaluations;
    List<Gauge> gauges = List.of();
  }
}
