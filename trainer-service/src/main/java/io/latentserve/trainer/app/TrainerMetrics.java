package io.latentserve.trainer.app;

import io.latentserve.trainer.core.Job;
import io.latentserve.trainer.core.JobManager;
import io.latentserve.trainer.core.JobState;
import io.latentserve.trainer.core.Lagrangian;
import io.latentserve.trainer.core.TrainerListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The trainer's Prometheus metrics.
 *
 * <ul>
 *   <li>{@code grpc_server_*}: per-RPC calls and latency histograms, recorded into {@link
 *       #registry()} by {@link io.latentserve.server.GrpcServerLifecycle}
 *   <li>{@code latentserve_trainer_jobs}{state}: jobs in each state now (queued, running,
 *       succeeded, failed, cancelled)
 *   <li>{@code latentserve_trainer_steps_total}{model}: optimizer steps taken, by model name
 *       ({@code rate()} of it is steps per second)
 *   <li>{@code latentserve_trainer_jobs_finished_total}{state}: jobs that ended, by final state
 *   <li>{@code latentserve_trainer_lagrange_multiplier}{model, constraint}: the latest Lagrange
 *       multiplier of a LagVAE (or constrained InfoVAE) job, constraint "consistency" (lambda1, on
 *       NLL + KL <= e1) or "mmd" (lambda2, on 1e4 MMD <= e2)
 *   <li>{@code latentserve_trainer_constraint_value}{model, constraint}: the value that multiplier
 *       constrains, the running mean over the current epoch (nats per example for consistency)
 * </ul>
 */
public final class TrainerMetrics implements TrainerListener {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  // The gauges read these holders; the map keeps them strongly reachable (Micrometer holds a
  // gauge's object weakly).
  private final Map<String, Value> values = new ConcurrentHashMap<>();

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Registers the per-state job gauges, which read {@code jobs} at every scrape. */
  void bind(JobManager jobs) {
    for (JobState state : JobState.values()) {
      Gauge.builder("latentserve.trainer.jobs", jobs, j -> j.count(state))
          .description("Training jobs in each state")
          .tag("state", state.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
  }

  @Override
  public void onSteps(String modelName, long steps) {
    Counter.builder("latentserve.trainer.steps")
        .description("Optimizer steps taken, by model name")
        .tag("model", modelName)
        .register(registry)
        .increment(steps);
  }

  @Override
  public void onLagrangian(String modelName, Lagrangian lagrangian) {
    set(
        "latentserve.trainer.lagrange.multiplier",
        "Latest Lagrange multiplier of a LagVAE job",
        modelName,
        "consistency",
        lagrangian.consistencyMultiplier());
    set(
        "latentserve.trainer.lagrange.multiplier",
        "Latest Lagrange multiplier of a LagVAE job",
        modelName,
        "mmd",
        lagrangian.mmdMultiplier());
    set(
        "latentserve.trainer.constraint.value",
        "Running mean over the epoch of a LagVAE job's constrained value",
        modelName,
        "consistency",
        lagrangian.consistency());
    set(
        "latentserve.trainer.constraint.value",
        "Running mean over the epoch of a LagVAE job's constrained value",
        modelName,
        "mmd",
        lagrangian.mmd());
  }

  private void set(
      String name, String description, String modelName, String constraint, double value) {
    values.computeIfAbsent(
                name + '\n' + modelName + '\n' + constraint,
                key -> {
                  Value holder = new Value();
                  Gauge.builder(name, holder, v -> v.value)
                      .description(description)
                      .tag("model", modelName)
                      .tag("constraint", constraint)
                      .register(registry);
                  return holder;
                })
            .value =
        value;
  }

  /** A gauge's latest value. */
  private static final class Value {
    volatile double value = Double.NaN;
  }

  @Override
  public void onFinished(Job job) {
    Counter.builder("latentserve.trainer.jobs.finished")
        .description("Training jobs that ended, by final state")
        .tag("state", job.state().name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }
}
