package io.latentserve.trainer.app;

import static io.latentserve.server.SettingChecks.checkHost;
import static io.latentserve.server.SettingChecks.checkNonNegative;
import static io.latentserve.server.SettingChecks.checkPort;
import static io.latentserve.server.SettingChecks.checkPositive;

import io.latentserve.server.EnvironmentSettings;
import io.latentserve.server.ServerTransports;
import io.latentserve.server.security.ServerSecurity;
import io.latentserve.trainer.core.JobManagerOptions;
import io.latentserve.trainer.core.ResourceLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the trainer service is configured with, validated once.
 *
 * <p>Built from defaults overridden by environment variables ({@link #fromEnvironment(Map)}), then
 * by command-line flags through {@link #toBuilder()}.
 *
 * @param host address the gRPC server binds: empty (the default) for every interface, else an IP
 *     address or a host name; the metrics endpoint binds it too unless {@code security} names
 *     another
 * @param port gRPC port; 0 picks a free port
 * @param metricsPort port of the Prometheus {@code /metrics} endpoint; 0 picks a free port
 * @param modelRepository root of the model repository the trained bundles are published into
 * @param dataDir folder of the dataset catalogue's files
 * @param jobsDir folder of the jobs' state and checkpoints; by default {@code trainer-jobs} beside
 *     the model repository
 * @param maxConcurrentJobs jobs trained at once
 * @param maxQueuedJobs queued jobs beyond which SubmitJob answers RESOURCE_EXHAUSTED
 * @param maxSweepPoints the most points a sweep may have; more is INVALID_ARGUMENT
 * @param maxStepSamples largest batch size times K of one step
 * @param checkpointInterval least time between two checkpoints within an epoch
 * @param progressInterval least time between two progress events within an epoch
 * @param cancelWait how long CancelJob waits for a running job to stop
 * @param shutdownGrace how long calls in flight may run after shutdown begins
 * @param maxLatentDim largest latent size of a stochastic layer a job may ask for
 * @param maxHiddenWidth largest width of a hidden layer
 * @param maxLayers most stochastic layers
 * @param maxHiddenLayers most hidden layers in one stochastic layer's network
 * @param maxParameters most trainable parameters of a model
 * @param maxStepMemory largest estimated activation memory of one training step, bytes (see {@link
 *     ResourceLimits})
 * @param security TLS, bearer tokens and the metrics address (all off by default)
 */
public record TrainerConfig(
    String host,
    int port,
    int metricsPort,
    Path modelRepository,
    Path dataDir,
    Path jobsDir,
    int maxConcurrentJobs,
    int maxQueuedJobs,
    int maxSweepPoints,
    int maxStepSamples,
    Duration checkpointInterval,
    Duration progressInterval,
    Duration cancelWait,
    Duration shutdownGrace,
    int maxLatentDim,
    int maxHiddenWidth,
    int maxLayers,
    int maxHiddenLayers,
    long maxParameters,
    long maxStepMemory,
    ServerSecurity security) {

  public static final String ENV_HOST = "LATENTSERVE_HOST";
  public static final String ENV_PORT = "LATENTSERVE_PORT";
  public static final String ENV_METRICS_PORT = "LATENTSERVE_METRICS_PORT";
  public static final String ENV_MODEL_REPOSITORY = "LATENTSERVE_MODEL_REPOSITORY";
  public static final String ENV_DATA_DIR = "LATENTSERVE_DATA_DIR";
  public static final String ENV_JOBS_DIR = "LATENTSERVE_JOBS_DIR";
  public static final String ENV_MAX_CONCURRENT_JOBS = "LATENTSERVE_MAX_CONCURRENT_JOBS";
  public static final String ENV_MAX_QUEUED_JOBS = "LATENTSERVE_MAX_QUEUED_JOBS";
  public static final String ENV_MAX_SWEEP_POINTS = "LATENTSERVE_MAX_SWEEP_POINTS";
  public static final String ENV_MAX_STEP_SAMPLES = "LATENTSERVE_MAX_STEP_SAMPLES";
  public static final String ENV_CHECKPOINT_INTERVAL = "LATENTSERVE_CHECKPOINT_INTERVAL";
  public static final String ENV_PROGRESS_INTERVAL = "LATENTSERVE_PROGRESS_INTERVAL";
  public static final String ENV_CANCEL_WAIT = "LATENTSERVE_CANCEL_WAIT";
  public static final String ENV_SHUTDOWN_GRACE = "LATENTSERVE_SHUTDOWN_GRACE";
  public static final String ENV_MAX_LATENT_DIM = "LATENTSERVE_MAX_LATENT_DIM";
  public static final String ENV_MAX_HIDDEN_WIDTH = "LATENTSERVE_MAX_HIDDEN_WIDTH";
  public static final String ENV_MAX_LAYERS = "LATENTSERVE_MAX_LAYERS";
  public static final String ENV_MAX_HIDDEN_LAYERS = "LATENTSERVE_MAX_HIDDEN_LAYERS";
  public static final String ENV_MAX_PARAMETERS = "LATENTSERVE_MAX_PARAMETERS";
  public static final String ENV_MAX_STEP_MEMORY = "LATENTSERVE_MAX_STEP_MEMORY";

  public static final int DEFAULT_PORT = 50052;
  public static final int DEFAULT_METRICS_PORT = 9465;

  public TrainerConfig {
    checkHost("host", host);
    checkPort("port", port);
    checkPort("metricsPort", metricsPort);
    Objects.requireNonNull(modelRepository, "modelRepository");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(jobsDir, "jobsDir");
    checkPositive("maxConcurrentJobs", maxConcurrentJobs);
    checkPositive("maxQueuedJobs", maxQueuedJobs);
    checkPositive("maxSweepPoints", maxSweepPoints);
    checkPositive("maxStepSamples", maxStepSamples);
    checkNonNegative("checkpointInterval", checkpointInterval);
    checkNonNegative("progressInterval", progressInterval);
    checkNonNegative("cancelWait", cancelWait);
    checkNonNegative("shutdownGrace", shutdownGrace);
    checkPositive("maxLatentDim", maxLatentDim);
    checkPositive("maxHiddenWidth", maxHiddenWidth);
    checkPositive("maxLayers", maxLayers);
    checkPositive("maxHiddenLayers", maxHiddenLayers);
    checkPositive("maxParameters", maxParameters);
    checkPositive("maxStepMemory", maxStepMemory);
    Objects.requireNonNull(security, "security");
  }

  /** The job manager's settings. */
  public JobManagerOptions jobOptions() {
    return new JobManagerOptions(
        maxConcurrentJobs,
        maxQueuedJobs,
        maxStepSamples,
        checkpointInterval,
        progressInterval,
        cancelWait,
        limits());
  }

  /** The largest model a job may ask for. */
  public ResourceLimits limits() {
    return new ResourceLimits(
        maxLatentDim, maxHiddenWidth, maxLayers, maxHiddenLayers, maxParameters, maxStepMemory);
  }

  public static Builder builder() {
    return new Builder();
  }

  public static TrainerConfig defaults() {
    return builder().build();
  }

  public Builder toBuilder() {
    return new Builder()
        .host(host)
        .port(port)
        .metricsPort(metricsPort)
        .modelRepository(modelRepository)
        .dataDir(dataDir)
        .jobsDir(jobsDir)
        .maxConcurrentJobs(maxConcurrentJobs)
        .maxQueuedJobs(maxQueuedJobs)
        .maxSweepPoints(maxSweepPoints)
        .maxStepSamples(maxStepSamples)
        .checkpointInterval(checkpointInterval)
        .progressInterval(progressInterval)
        .cancelWait(cancelWait)
        .shutdownGrace(shutdownGrace)
        .maxLatentDim(maxLatentDim)
        .maxHiddenWidth(maxHiddenWidth)
        .maxLayers(maxLayers)
        .maxHiddenLayers(maxHiddenLayers)
        .maxParameters(maxParameters)
        .maxStepMemory(maxStepMemory)
        .security(security);
  }

  /**
   * The defaults overridden by the {@code LATENTSERVE_*} variables present in {@code env}.
   * Durations are written {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601.
   *
   * @throws IllegalArgumentException naming the variable and its value when one is invalid
   */
  public static TrainerConfig fromEnvironment(Map<String, String> env) {
    Builder b = builder().security(ServerSecurity.fromEnvironment(env));
    return EnvironmentSettings.of(env)
        .readString(ENV_HOST, b::host)
        .readInt(ENV_PORT, b::port)
        .readInt(ENV_METRICS_PORT, b::metricsPort)
        .readPath(ENV_MODEL_REPOSITORY, b::modelRepository)
        .readPath(ENV_DATA_DIR, b::dataDir)
        .readPath(ENV_JOBS_DIR, b::jobsDir)
        .readInt(ENV_MAX_CONCURRENT_JOBS, b::maxConcurrentJobs)
        .readInt(ENV_MAX_QUEUED_JOBS, b::maxQueuedJobs)
        .readInt(ENV_MAX_SWEEP_POINTS, b::maxSweepPoints)
        .readInt(ENV_MAX_STEP_SAMPLES, b::maxStepSamples)
        .readDuration(ENV_CHECKPOINT_INTERVAL, b::checkpointInterval)
        .readDuration(ENV_PROGRESS_INTERVAL, b::progressInterval)
        .readDuration(ENV_CANCEL_WAIT, b::cancelWait)
        .readDuration(ENV_SHUTDOWN_GRACE, b::shutdownGrace)
        .readInt(ENV_MAX_LATENT_DIM, b::maxLatentDim)
        .readInt(ENV_MAX_HIDDEN_WIDTH, b::maxHiddenWidth)
        .readInt(ENV_MAX_LAYERS, b::maxLayers)
        .readInt(ENV_MAX_HIDDEN_LAYERS, b::maxHiddenLayers)
        .read(ENV_MAX_PARAMETERS, TrainerConfig::parseLong, b::maxParameters)
        .readLongBytes(ENV_MAX_STEP_MEMORY, b::maxStepMemory)
        .build(b::build);
  }

  /**
   * A decimal {@code long}.
   *
   * @throws IllegalArgumentException "expected an integer"
   */
  static long parseLong(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected an integer", e);
    }
  }

  /** Mutable holder of config values, starting from the defaults. */
  public static final class Builder {
    private String host = ServerTransports.EVERY_INTERFACE;
    private int port = DEFAULT_PORT;
    private int metricsPort = DEFAULT_METRICS_PORT;
    private Path modelRepository = Path.of("models");
    private Path dataDir = Path.of("data");
    private Path jobsDir;
    private int maxConcurrentJobs = 1;
    private int maxQueuedJobs = 16;
    private int maxSweepPoints = 256;
    private int maxStepSamples = 200_000;
    private Duration checkpointInterval = Duration.ofMinutes(1);
    private Duration progressInterval = Duration.ofSeconds(1);
    private Duration cancelWait = Duration.ofSeconds(30);
    private Duration shutdownGrace = Duration.ofSeconds(20);
    private int maxLatentDim = ResourceLimits.defaults().maxLatentDim();
    private int maxHiddenWidth = ResourceLimits.defaults().maxHiddenWidth();
    private int maxLayers = ResourceLimits.defaults().maxLayers();
    private int maxHiddenLayers = ResourceLimits.defaults().maxHiddenLayers();
    private long maxParameters = ResourceLimits.defaults().maxParameters();
    private long maxStepMemory = ResourceLimits.defaults().maxStepBytes();
    private ServerSecurity security = ServerSecurity.NONE;

    private Builder() {}

    public Builder host(String v) {
      host = v;
      return this;
    }

    public Builder port(int v) {
      port = v;
      return this;
    }

    public Builder metricsPort(int v) {
      metricsPort = v;
      return this;
    }

    public Builder modelRepository(Path v) {
      modelRepository = v;
      return this;
    }

    public Builder dataDir(Path v) {
      dataDir = v;
      return this;
    }

    /** The jobs folder; null derives it from the model repository. */
    public Builder jobsDir(Path v) {
      jobsDir = v;
      return this;
    }

    public Builder maxConcurrentJobs(int v) {
      maxConcurrentJobs = v;
      return this;
    }

    public Builder maxQueuedJobs(int v) {
      maxQueuedJobs = v;
      return this;
    }

    public Builder maxSweepPoints(int v) {
      maxSweepPoints = v;
      return this;
    }

    public Builder maxStepSamples(int v) {
      maxStepSamples = v;
      return this;
    }

    public Builder checkpointInterval(Duration v) {
      checkpointInterval = v;
      return this;
    }

    public Builder progressInterval(Duration v) {
      progressInterval = v;
      return this;
    }

    public Builder cancelWait(Duration v) {
      cancelWait = v;
      return this;
    }

    public Builder shutdownGrace(Duration v) {
      shutdownGrace = v;
      return this;
    }

    public Builder maxLatentDim(int v) {
      maxLatentDim = v;
      return this;
    }

    public Builder maxHiddenWidth(int v) {
      maxHiddenWidth = v;
      return this;
    }

    public Builder maxLayers(int v) {
      maxLayers = v;
      return this;
    }

    public Builder maxHiddenLayers(int v) {
      maxHiddenLayers = v;
      return this;
    }

    public Builder maxParameters(long v) {
      maxParameters = v;
      return this;
    }

    public Builder maxStepMemory(long v) {
      maxStepMemory = v;
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

    /**
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public TrainerConfig build() {
      Path jobs = jobsDir;
      if (jobs == null && modelRepository != null) {
        Path parent = modelRepository.toAbsolutePath().normalize().getParent();
        jobs = (parent == null ? modelRepository.toAbsolutePath() : parent).resolve("trainer-jobs");
      }
      return new TrainerConfig(
          host,
          port,
          metricsPort,
          modelRepository,
          dataDir,
          jobs,
          maxConcurrentJobs,
          maxQueuedJobs,
          maxSweepPoints,
          maxStepSamples,
          checkpointInterval,
          progressInterval,
          cancelWait,
          shutdownGrace,
          maxLatentDim,
          maxHiddenWidth,
          maxLayers,
          maxHiddenLayers,
          maxParameters,
          maxStepMemory,
          security);
    }
  }
}
