package io.latentserve.inference.app;

import static io.latentserve.server.SettingChecks.checkHost;
import static io.latentserve.server.SettingChecks.checkNonNegative;
import static io.latentserve.server.SettingChecks.checkPort;
import static io.latentserve.server.SettingChecks.checkPositive;

import io.latentserve.inference.batching.BatchingConfig;
import io.latentserve.inference.core.RegistryConfig;
import io.latentserve.inference.core.VersionPolicy;
import io.latentserve.inference.onnx.OnnxConfig;
import io.latentserve.server.EnvironmentSettings;
import io.latentserve.server.ServerTransports;
import io.latentserve.server.security.ServerSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything the inference service is configured with, validated once.
 *
 * <p>Built from defaults overridden by environment variables ({@link #fromEnvironment(Map)}), then
 * by command-line flags through {@link #toBuilder()}.
 *
 * @param host address the gRPC server binds: empty (the default) for every interface, else an IP
 *     address or a host name; the metrics endpoint binds it too unless {@code security} names
 *     another
 * @param port gRPC port; 0 picks a free port
 * @param metricsPort port of the Prometheus {@code /metrics} HTTP endpoint; 0 picks a free port
 * @param modelRepository root folder of the model repository ({@code <root>/<model>/<version>/})
 * @param device where models run: {@code auto} (CUDA where a GPU is visible, else CPU), {@code cpu}
 *     or {@code cuda:N}
 * @param batching whether concurrent requests to one model are batched together
 * @param maxBatchRows most rows one batched graph run takes
 * @param maxQueueDelay longest a request waits for others to fill a batch; 0 (the default) merges
 *     only what queued while the engine was busy
 * @param maxQueueLength most requests waiting per model before new ones get RESOURCE_EXHAUSTED
 * @param maxMessageBytes largest inbound gRPC message, bytes
 * @param maxRowsPerRequest most rows (N) one request may carry
 * @param maxK most importance samples per row in ImportanceWeights
 * @param reloadInterval how often the repository is scanned for new and removed versions
 * @param intraOpThreads ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose
 * @param shutdownGrace how long in-flight calls may run after shutdown begins
 * @param maxImportanceStreams ImportanceWeights streams computed at once, each on a thread of its
 *     own pool (not a gRPC thread); one more gets RESOURCE_EXHAUSTED
 * @param streamStallTimeout how long an ImportanceWeights stream may wait for its client to read
 *     the next chunk; then it ends with DEADLINE_EXCEEDED and releases its model version
 * @param maxPooledBufferBytes bytes of direct buffers the process keeps for reuse (one pool for
 *     every loaded model)
 * @param versionPolicy version policy of every model without a {@code version_policy} file in its
 *     folder of the repository (the file wins): {@code latest N}, {@code all} or {@code specific V1
 *     V2 ...}
 * @param memoryBudgetBytes most bytes the loaded models may hold together; 0 for no limit. Over it,
 *     the least recently used idle models unload, and models load on their first request
 * @param loadWait longest a request without a deadline waits for its model to load
 * @param sharedThreads whether every ONNX Runtime session runs on one process-wide thread pool (of
 *     {@code intraOpThreads}) instead of a pool per session
 * @param cpuArena whether ONNX Runtime sessions on the CPU use its memory arena
 * @param security TLS, bearer tokens and the metrics address (all off by default)
 */
public record InferenceConfig(
    String host,
    int port,
    int metricsPort,
    Path modelRepository,
    String device,
    boolean batching,
    int maxBatchRows,
    Duration maxQueueDelay,
    int maxQueueLength,
    int maxMessageBytes,
    int maxRowsPerRequest,
    int maxK,
    Duration reloadInterval,
    int intraOpThreads,
    Duration shutdownGrace,
    int maxImportanceStreams,
    Duration streamStallTimeout,
    int maxPooledBufferBytes,
    String versionPolicy,
    long memoryBudgetBytes,
    Duration loadWait,
    boolean sharedThreads,
    boolean cpuArena,
    ServerSecurity security) {

  /** Environment variables read by {@link #fromEnvironment(Map)}. */
  public static final String ENV_HOST = "LATENTSERVE_HOST";

  public static final String ENV_PORT = "LATENTSERVE_PORT";

  public static final String ENV_METRICS_PORT = "LATENTSERVE_METRICS_PORT";
  public static final String ENV_MODEL_REPOSITORY = "LATENTSERVE_MODEL_REPOSITORY";
  public static final String ENV_DEVICE = "LATENTSERVE_DEVICE";
  public static final String ENV_BATCHING = "LATENTSERVE_BATCHING";
  public static final String ENV_MAX_BATCH_ROWS = "LATENTSERVE_MAX_BATCH_ROWS";
  public static final String ENV_MAX_QUEUE_DELAY = "LATENTSERVE_MAX_QUEUE_DELAY";
  public static final String ENV_MAX_QUEUE_LENGTH = "LATENTSERVE_MAX_QUEUE_LENGTH";
  public static final String ENV_MAX_MESSAGE_BYTES = "LATENTSERVE_MAX_MESSAGE_BYTES";
  public static final String ENV_MAX_ROWS_PER_REQUEST = "LATENTSERVE_MAX_ROWS_PER_REQUEST";
  public static final String ENV_MAX_K = "LATENTSERVE_MAX_K";
  public static final String ENV_RELOAD_INTERVAL = "LATENTSERVE_RELOAD_INTERVAL";
  public static final String ENV_INTRA_OP_THREADS = "LATENTSERVE_INTRA_OP_THREADS";
  public static final String ENV_SHUTDOWN_GRACE = "LATENTSERVE_SHUTDOWN_GRACE";
  public static final String ENV_MAX_IMPORTANCE_STREAMS = "LATENTSERVE_MAX_IMPORTANCE_STREAMS";
  public static final String ENV_STREAM_STALL_TIMEOUT = "LATENTSERVE_STREAM_STALL_TIMEOUT";
  public static final String ENV_MAX_POOLED_BUFFER_BYTES = "LATENTSERVE_MAX_POOLED_BUFFER_BYTES";
  public static final String ENV_VERSION_POLICY = "LATENTSERVE_VERSION_POLICY";
  public static final String ENV_MEMORY_BUDGET = "LATENTSERVE_MEMORY_BUDGET";
  public static final String ENV_LOAD_WAIT = "LATENTSERVE_LOAD_WAIT";
  public static final String ENV_SHARED_THREADS = "LATENTSERVE_SHARED_THREADS";
  public static final String ENV_CPU_ARENA = "LATENTSERVE_CPU_ARENA";

  public static final int DEFAULT_PORT = 50051;
  public static final int DEFAULT_METRICS_PORT = 9464;
  public static final int DEFAULT_MAX_K = 5000;

  private static final Pattern DEVICE = Pattern.compile("auto|cpu|cuda:(0|[1-9][0-9]{0,2})");

  public InferenceConfig {
    checkHost("host", host);
    checkPort("port", port);
    checkPort("metricsPort", metricsPort);
    Objects.requireNonNull(modelRepository, "modelRepository");
    Objects.requireNonNull(device, "device");
    if (!DEVICE.matcher(device).matches()) {
      throw new IllegalArgumentException(
          "device must be auto, cpu or cuda:N, got \"" + device + "\"");
    }
    checkPositive("maxBatchRows", maxBatchRows);
    checkNonNegative("maxQueueDelay", maxQueueDelay);
    checkPositive("maxQueueLength", maxQueueLength);
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 1024, got " + maxMessageBytes);
    }
    checkPositive("maxRowsPerRequest", maxRowsPerRequest);
    checkPositive("maxK", maxK);
    checkNonNegative("reloadInterval", reloadInterval);
    if (reloadInterval.isZero()) {
      throw new IllegalArgumentException("reloadInterval must be > 0, got " + reloadInterval);
    }
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must be >= 0, got " + intraOpThreads);
    }
    checkNonNegative("shutdownGrace", shutdownGrace);
    checkPositive("maxImportanceStreams", maxImportanceStreams);
    checkPositive("streamStallTimeout", streamStallTimeout);
    if (maxPooledBufferBytes < 0) {
      throw new IllegalArgumentException(
          "maxPooledBufferBytes must be >= 0, got " + maxPooledBufferBytes);
    }
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(versionPolicy, "versionPolicy");
    VersionPolicy.parse(versionPolicy);
    if (memoryBudgetBytes < 0) {
      throw new IllegalArgumentException(
          "memoryBudget must be >= 0 (0: no limit), got " + memoryBudgetBytes);
    }
    checkPositive("loadWait", loadWait);
  }

  /** The model registry's part of this config. */
  public RegistryConfig registryConfig() {
    return new RegistryConfig(VersionPolicy.parse(versionPolicy), memoryBudgetBytes, loadWait);
  }

  /** The defaults: every setting as documented, the repository at {@code ./models}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values, to override some of them. */
  public Builder toBuilder() {
    return new Builder()
        .host(host)
        .port(port)
        .metricsPort(metricsPort)
        .modelRepository(modelRepository)
        .device(device)
        .batching(batching)
        .maxBatchRows(maxBatchRows)
        .maxQueueDelay(maxQueueDelay)
        .maxQueueLength(maxQueueLength)
        .maxMessageBytes(maxMessageBytes)
        .maxRowsPerRequest(maxRowsPerRequest)
        .maxK(maxK)
        .reloadInterval(reloadInterval)
        .intraOpThreads(intraOpThreads)
        .shutdownGrace(shutdownGrace)
        .maxImportanceStreams(maxImportanceStreams)
        .streamStallTimeout(streamStallTimeout)
        .maxPooledBufferBytes(maxPooledBufferBytes)
        .security(security)
        .versionPolicy(versionPolicy)
        .memoryBudgetBytes(memoryBudgetBytes)
        .loadWait(loadWait)
        .sharedThreads(sharedThreads)
        .cpuArena(cpuArena);
  }

  /** The defaults. */
  public static InferenceConfig defaults() {
    return builder().build();
  }

  /**
   * The defaults overridden by the {@code LATENTSERVE_*} variables present in {@code env}.
   * Durations are written {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code
   * PT5S}); byte sizes as a number of bytes, optionally with {@code KiB}, {@code MiB} or {@code
   * GiB}; booleans as {@code true} or {@code false}.
   *
   * @param env variables by name, e.g. {@code System.getenv()}
   * @throws IllegalArgumentException naming the variable and its value when one cannot be parsed or
   *     the result is invalid
   */
  public static InferenceConfig fromEnvironment(Map<String, String> env) {
    Builder b = builder().security(ServerSecurity.fromEnvironment(env));
    return EnvironmentSettings.of(env)
        .readString(ENV_HOST, b::host)
        .readInt(ENV_PORT, b::port)
        .readInt(ENV_METRICS_PORT, b::metricsPort)
        .readPath(ENV_MODEL_REPOSITORY, b::modelRepository)
        .read(ENV_DEVICE, s -> s.toLowerCase(Locale.ROOT), b::device)
        .readBoolean(ENV_BATCHING, b::batching)
        .readInt(ENV_MAX_BATCH_ROWS, b::maxBatchRows)
        .readDuration(ENV_MAX_QUEUE_DELAY, b::maxQueueDelay)
        .readInt(ENV_MAX_QUEUE_LENGTH, b::maxQueueLength)
        .readBytes(ENV_MAX_MESSAGE_BYTES, b::maxMessageBytes)
        .readInt(ENV_MAX_ROWS_PER_REQUEST, b::maxRowsPerRequest)
        .readInt(ENV_MAX_K, b::maxK)
        .readDuration(ENV_RELOAD_INTERVAL, b::reloadInterval)
        .readInt(ENV_INTRA_OP_THREADS, b::intraOpThreads)
        .readDuration(ENV_SHUTDOWN_GRACE, b::shutdownGrace)
        .readInt(ENV_MAX_IMPORTANCE_STREAMS, b::maxImportanceStreams)
        .readDuration(ENV_STREAM_STALL_TIMEOUT, b::streamStallTimeout)
        .readBytes(ENV_MAX_POOLED_BUFFER_BYTES, b::maxPooledBufferBytes)
        .readString(ENV_VERSION_POLICY, b::versionPolicy)
        .readLongBytes(ENV_MEMORY_BUDGET, b::memoryBudgetBytes)
        .readDuration(ENV_LOAD_WAIT, b::loadWait)
        .readBoolean(ENV_SHARED_THREADS, b::sharedThreads)
        .readBoolean(ENV_CPU_ARENA, b::cpuArena)
        .build(b::build);
  }

  /** Mutable holder of config values, starting from the defaults. */
  public static final class Builder {
    private String host = ServerTransports.EVERY_INTERFACE;
    private int port = DEFAULT_PORT;
    private int metricsPort = DEFAULT_METRICS_PORT;
    private Path modelRepository = Path.of("models");
    private String device = "auto";
    private boolean batching = true;
    private int maxBatchRows = 256;
    private Duration maxQueueDelay = BatchingConfig.DEFAULT.maxQueueDelay();
    private int maxQueueLength = 1024;
    private int maxMessageBytes = 64 << 20;
    private int maxRowsPerRequest = 4096;
    private int maxK = DEFAULT_MAX_K;
    private Duration reloadInterval = Duration.ofSeconds(5);
    private int intraOpThreads = 0;
    private Duration shutdownGrace = Duration.ofSeconds(20);
    // Well above one evaluator's parallel calls (4 by default): an evaluation alone must never find
    // the slots taken by itself, and a few clients at once still fit.
    private int maxImportanceStreams = 16;
    private Duration streamStallTimeout = Duration.ofSeconds(30);
    private int maxPooledBufferBytes = 64 << 20;
    private ServerSecurity security = ServerSecurity.NONE;
    private String versionPolicy = VersionPolicy.DEFAULT.toString();
    private long memoryBudgetBytes = 0;
    private Duration loadWait = RegistryConfig.DEFAULT.loadWait();
    private boolean sharedThreads = OnnxConfig.DEFAULT_SHARED_THREADS;
    private boolean cpuArena = OnnxConfig.DEFAULT_CPU_ARENA;

    private Builder() {}

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder metricsPort(int metricsPort) {
      this.metricsPort = metricsPort;
      return this;
    }

    public Builder modelRepository(Path modelRepository) {
      this.modelRepository = modelRepository;
      return this;
    }

    public Builder device(String device) {
      this.device = device;
      return this;
    }

    public Builder batching(boolean batching) {
      this.batching = batching;
      return this;
    }

    public Builder maxBatchRows(int maxBatchRows) {
      this.maxBatchRows = maxBatchRows;
      return this;
    }

    public Builder maxQueueDelay(Duration maxQueueDelay) {
      this.maxQueueDelay = maxQueueDelay;
      return this;
    }

    public Builder maxQueueLength(int maxQueueLength) {
      this.maxQueueLength = maxQueueLength;
      return this;
    }

    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    public Builder maxRowsPerRequest(int maxRowsPerRequest) {
      this.maxRowsPerRequest = maxRowsPerRequest;
      return this;
    }

    public Builder maxK(int maxK) {
      this.maxK = maxK;
      return this;
    }

    public Builder reloadInterval(Duration reloadInterval) {
      this.reloadInterval = reloadInterval;
      return this;
    }

    public Builder intraOpThreads(int intraOpThreads) {
      this.intraOpThreads = intraOpThreads;
      return this;
    }

    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    public Builder maxImportanceStreams(int maxImportanceStreams) {
      this.maxImportanceStreams = maxImportanceStreams;
      return this;
    }

    public Builder streamStallTimeout(Duration streamStallTimeout) {
      this.streamStallTimeout = streamStallTimeout;
      return this;
    }

    public Builder maxPooledBufferBytes(int maxPooledBufferBytes) {
      this.maxPooledBufferBytes = maxPooledBufferBytes;
      return this;
    }

    /**
     * TLS, bearer tokens and the metrics address; read from the environment by {@link
     * #fromEnvironment}.
     */
    public Builder security(ServerSecurity security) {
      this.security = security;
      return this;
    }

    public Builder versionPolicy(String versionPolicy) {
      this.versionPolicy = versionPolicy;
      return this;
    }

    public Builder memoryBudgetBytes(long memoryBudgetBytes) {
      this.memoryBudgetBytes = memoryBudgetBytes;
      return this;
    }

    public Builder loadWait(Duration loadWait) {
      this.loadWait = loadWait;
      return this;
    }

    public Builder sharedThreads(boolean sharedThreads) {
      this.sharedThreads = sharedThreads;
      return this;
    }

    public Builder cpuArena(boolean cpuArena) {
      this.cpuArena = cpuArena;
      return this;
    }

    /**
     * The validated config.
     *
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public InferenceConfig build() {
      return new InferenceConfig(
          host,
          port,
          metricsPort,
          modelRepository,
          device,
          batching,
          maxBatchRows,
          maxQueueDelay,
          maxQueueLength,
          maxMessageBytes,
          maxRowsPerRequest,
          maxK,
          reloadInterval,
          intraOpThreads,
          shutdownGrace,
          maxImportanceStreams,
          streamStallTimeout,
          maxPooledBufferBytes,
          versionPolicy,
          memoryBudgetBytes,
          loadWait,
          sharedThreads,
          cpuArena,
          security);
    }
  }
}
