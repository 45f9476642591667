package io.latentserve.inference.app;

import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.batching.BatchListener;
import io.latentserve.inference.core.ModelId;
import io.latentserve.inference.core.RegistryListener;
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
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 *   <li>{@code latentserve_model_memory_bytes}{model, version}: memory each loaded version holds,
 *       as accounted against the budget
 *   <li>{@code latentserve_models_memory_bytes}: their sum; {@code
 *       latentserve_models_memory_budget_bytes}: the budget (0: none)
 *   <li>{@code latentserve_model_loads_total}{trigger, result}: loads by what started them (scan,
 *       request, operator) and how they ended (ok, failed)
 *   <li>{@code latentserve_model_unloads_total}{reason}: unloads by reason (removed, policy,
 *       budget, operator)
 *   <li>{@code jvm_memory_used_bytes}{area, id} and the rest of Micrometer's JVM memory metrics
 *   <li>{@code latentserve_model_load_seconds}{trigger}: time to load a version (histogram);
 *       trigger="request" is the cold-start latency a request waited for
 * </ul>
 */
public final class InferenceMetrics {
  private final PrometheusMeterRegistry registry;
  private final AtomicInteger loaded = new AtomicInteger();
  private final MultiGauge devices;
  private final MultiGauge memory;
  private final Map<ModelId, Long> memoryBytes = new ConcurrentHashMap<>();

  public InferenceMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Heap beside resident memory: a soak tells a leak in Java objects from one in native memory.
    new JvmMemoryMetrics().bindTo(registry);
    Gauge.builder("latentserve.models.loaded", loaded, AtomicInteger::get)
        .description("Model versions loaded and served")
        .register(registry);
    devices =
        MultiGauge.builder("latentserve.model.device")
            .description("1 for every loaded model version, labelled with its device")
            .register(registry);
    memory =
        MultiGauge.builder("latentserve.model.memory")
            .description("Memory each loaded model version holds, as accounted against the budget")
            .baseUnit("bytes")
            .register(registry);
    Gauge.builder(
            "latentserve.models.memory",
            memoryBytes,
            m -> m.values().stream().mapToLong(Long::longValue).sum())
        .description("Memory the loaded model versions hold together")
        .baseUnit("bytes")
        .register(registry);
  }

  /** Publishes the memory budget (0: none) as {@code latentserve_models_memory_budget_bytes}. */
  public void memoryBudget(long bytes) {
    Gauge.builder("latentserve.models.memory.budget", () -> bytes)
        .description("Memory budget for loaded model versions; 0 for none")
        .baseUnit("bytes")
        .register(registry);
  }

  /** Counts loads and unloads, times loads, and keeps each loaded version's memory. */
  public RegistryListener registryListener() {
    return new RegistryListener() {
      @Override
      public void onLoaded(ModelId id, LoadTrigger trigger, long bytes, Duration took) {
        memoryBytes.put(id, bytes);
        loads(trigger, "ok").increment();
        Timer.builder("latentserve.model.load")
            .description("Time to load a model version; trigger=request is a cold start")
            .publishPercentileHistogram()
            .tags("trigger", lower(trigger))
            .register(registry)
            .record(took);
      }

      @Override
      public void onLoadFailed(ModelId id, LoadTrigger trigger) {
        loads(trigger, "failed").increment();
      }

      @Override
      public void onUnloaded(ModelId id, UnloadReason reason) {
        memoryBytes.remove(id);
        Counter.builder("latentserve.model.unloads")
            .description("Model versions taken out of memory, by reason")
            .tags("reason", lower(reason))
            .register(registry)
            .increment();
      }
    };
  }

  private Counter loads(RegistryListener.LoadTrigger trigger, String result) {
    return Counter.builder("latentserve.model.loads")
        .description("Model version loads, by trigger and result")
        .tags("trigger", lower(trigger), "result", result)
        .register(registry);
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
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
    memory.register(
        models.stream()
            .map(
                m ->
                    MultiGauge.Row.of(
                        tags(m.model().id()),
                        memoryBytes,
                        b -> b.getOrDefault(m.model().id(), 0L).doubleValue()))
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
