package io.latentserve.inference.app;

import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.batching.BatchListener;
import io.latentserve.inference.core.ModelId;
import io.latentserve.inference.core.ServedModel;
import io.latentserve.inference.grpc.RequestListener;
import io.latentserve.server.GrpcServerLifecycle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The inference service's Prometheus metrics.
 *
 * <ul>
 *   <li>{@code grpc_server_*}: per-RPC calls and latency histograms, from Micrometer's {@link
 *       MetricCollectingServerInterceptor}
 *   <li>{@code latentserve_requests_total} and {@code latentserve_rows_total}{model, version,
 *       method}: successful requests and their rows
 *   <li>{@code latentserve_batch_size_rows}{model, version, graph}: rows per engine call
 *       (histogram)
 *   <li>{@code latentserve_batch_queue_delay_seconds}{model, version, graph}: time the oldest
 *       request of a batch waited (histogram)
 *   <li>{@code latentserve_batch_rejected_total}{model, version, graph}: requests refused by a full
 *       queue; 0 from the graph's first batch on
 *   <li>{@code latentserve_models_loaded}: loaded model versions
 *   <li>{@code latentserve_model_device}{model, version, device}: 1 per loaded version
 * </ul>
 */
public final class InferenceMetrics {
  private final PrometheusMeterRegistry registry;
  private final AtomicInteger loaded = new AtomicInteger();
  private final MultiGauge devices;

  public InferenceMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder("latentserve.models.loaded", loaded, AtomicInteger::get)
        .description("Model versions loaded and served")
        .register(registry);
    devices =
        MultiGauge.builder("latentserve.model.device")
            .description("1 for every loaded model version, labelled with its device")
            .register(registry);
  }

  /** The registry, e.g. to add JVM metrics. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }

  /** A server interceptor that times every RPC, with percentile histograms. */
  public MetricCollectingServerInterceptor serverInterceptor() {
    return GrpcServerLifecycle.metricsInterceptor(registry);
  }

  /** Counts requests and rows per model version and method. */
  public RequestListener requestListener() {
    return (model, method, rows) -> {
      Tags tags = tags(model).and("method", method);
      Counter.builder("latentserve.requests")
          .description("Requests served successfully")
          .tags(tags)
          .register(registry)
          .increment();
      Counter.builder("latentserve.rows")
          .description("Rows of the requests served successfully")
          .tags(tags)
          .register(registry)
          .increment(rows);
    };
  }

  /** Records the batches of one model version's runner. */
  public BatchListener batchListener(ModelId model) {
    Tags tags = tags(model);
    return new BatchListener() {
      @Override
      public void onBatch(
          GraphRole role, int requests, int rows, Duration queueDelay, Duration runTime) {
        Tags t = tags.and("graph", graph(role));
        DistributionSummary.builder("latentserve.batch.size")
            .description("Rows per engine call")
            .baseUnit("rows")
            .publishPercentileHistogram()
            .tags(t)
            .register(registry)
            .record(rows);
        Timer.builder("latentserve.batch.queue.delay")
            .description("Time the oldest request of a batch waited in the queue")
            .publishPercentileHistogram()
            .tags(t)
            .register(registry)
            .record(queueDelay);
        // from the graph's first batch on, its rejections read 0 rather than no data
        rejected(t);
      }

      @Override
      public void onRejected(GraphRole role) {
        rejected(tags.and("graph", graph(role))).increment();
      }
    };
  }

  private Counter rejected(Tags tags) {
    return Counter.builder("latentserve.batch.rejected")
        .description("Requests refused because the batching queue was full")
        .tags(tags)
        .register(registry);
  }

  /**
   * Updates the loaded-models and device gauges, and drops the batch meters of versions no longer
   * loaded (request and row counters stay: they are cumulative).
   */
  public void onModelsChanged(List<ServedModel> models) {
    loaded.set(models.size());
    Set<Tags> current =
        models.stream().map(m -> tags(m.model().id())).collect(Collectors.toUnmodifiableSet());
    for (Meter meter : registry.getMeters()) {
      Meter.Id id = meter.getId();
      String model = id.getTag("model");
      String version = id.getTag("version");
      if (id.getName().startsWith("latentserve.batch.")
          && model != null
          && version != null
          && !current.contains(Tags.of("model", model, "version", version))) {
        registry.remove(meter);
      }
    }
    devices.register(
        models.stream()
            .map(
                m -> MultiGauge.Row.of(tags(m.model().id()).and("device", m.model().device()), 1.0))
            .toList(),
        true);
  }

  private static Tags tags(ModelId model) {
    return Tags.of("model", model.name(), "version", Long.toString(model.version()));
  }

  private static String graph(GraphRole role) {
    return role.name().toLowerCase(Locale.ROOT);
  }
}
