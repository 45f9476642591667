package io.latentserve.trainer.app;

import io.latentserve.trainer.core.Job;
import io.latentserve.trainer.core.JobManager;
import io.latentserve.trainer.core.JobState;
import io.latentserve.trainer.core.TrainerListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;

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
 * </ul>
 */
public final class TrainerMetrics implements TrainerListener {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

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
  public void onFinished(Job job) {
    Counter.builder("latentserve.trainer.jobs.finished")
        .description("Training jobs that ended, by final state")
        .tag("state", job.state().name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }
}
