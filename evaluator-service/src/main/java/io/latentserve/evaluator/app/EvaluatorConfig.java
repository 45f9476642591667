package io.latentserve.evaluator.app;

import static io.latentserve.server.SettingChecks.checkHost;
import static io.latentserve.server.SettingChecks.checkNonNegative;
import static io.latentserve.server.SettingChecks.checkPort;
import static io.latentserve.server.SettingChecks.checkPositive;

import io.latentserve.evaluator.client.InferenceClientConfig;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.server.EnvironmentSettings;
import io.latentserve.server.ServerTransports;
import io.latentserve.server.security.ServerSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the evaluator service is configured with, validated once.
 *
 * <p>Built from defaults overridden by environment variables ({@link #fromEnvironment(Map)}), then
 * by command-line flags through {@link #toBuilder()}.
 *
 * @param host address the gRPC server binds: empty (the default) for every interface, else an IP
 *     address or a host name; the metrics endpoint binds it too unless {@code security} names
 *     another
 * @param port gRPC port; 0 picks a free port
 * @param metricsPort port of the Prometheus {@code /metrics} endpoint; 0 picks a free port
 * @param inferenceTarget the inference replicas: {@code host:port}, {@code h1:p1,h2:p2} or a URI
 *     such as {@code dns:///inference:50051}; balanced round-robin
 * @param callDeadline deadline of every inference call
 * @param maxAttempts attempts per inference call (retries go to the next replica)
 * @param reportsDir folder of the stored reports ({@code <dir>/<evaluationId>/})
 * @param dataDir folder of the dataset catalogue's files
 * @param maxK largest k a request may ask for
 * @param maxRowsPerCall most rows per inference call
 * @param parallelCalls inference calls in flight per evaluation
 * @param maxConcurrentEvaluations evaluations running at once; more get RESOURCE_EXHAUSTED
 * @param rateSamples posterior draws per example for the per-layer rates
 * @param mmdSamples most draws per distribution for the MMD
 * @param shutdownGrace how long running evaluations may continue after shutdown begins
 * @param versionWait how long an inference call pinned to a version retries NOT_FOUND and
 *     FAILED_PRECONDITION from replicas that have not loaded it yet
 * @param security TLS, bearer tokens and the metrics address (all off by default)
 * @param inferenceSecurity how the evaluator reaches inference: TLS, mTLS and its own token
 */
public record EvaluatorConfig(
    String host,
    int port,
    int metricsPort,
    String inferenceTarget,
    Duration callDeadline,
    int maxAttempts,
    Path reportsDir,
    Path dataDir,
    int maxK,
    int maxRowsPerCall,
    int parallelCalls,
    int maxConcurrentEvaluations,
    int rateSamples,
    int mmdSamples,
    Duration shutdownGrace,
    Duration versionWait,
    ServerSecurity security,
    InferenceSecurity inferenceSecurity) {

  public static final String ENV_HOST = "LATENTSERVE_HOST";
  public static final String ENV_PORT = "LATENTSERVE_PORT";
  public static final String ENV_METRICS_PORT = "LATENTSERVE_METRICS_PORT";
  public static final String ENV_INFERENCE_TARGET = "LATENTSERVE_INFERENCE_TARGET";
  public static final String ENV_CALL_DEADLINE = "LATENTSERVE_CALL_DEADLINE";
  public static final String ENV_MAX_ATTEMPTS = "LATENTSERVE_MAX_ATTEMPTS";
  public static final String ENV_REPORTS_DIR = "LATENTSERVE_REPORTS_DIR";
  public static final String ENV_DATA_DIR = "LATENTSERVE_DATA_DIR";
  public static final String ENV_MAX_K = "LATENTSERVE_MAX_K";
  public static final String ENV_MAX_ROWS_PER_CALL = "LATENTSERVE_MAX_ROWS_PER_CALL";
  public static final String ENV_PARALLEL_CALLS = "LATENTSERVE_PARALLEL_CALLS";
  public static final String ENV_MAX_EVALUATIONS = "LATENTSERVE_MAX_EVALUATIONS";
  public static final String ENV_RATE_SAMPLES = "LATENTSERVE_RATE_SAMPLES";
  public static final String ENV_MMD_SAMPLES = "LATENTSERVE_MMD_SAMPLES";
  public static final String ENV_SHUTDOWN_GRACE = "LATENTSERVE_SHUTDOWN_GRACE";
  public static final String ENV_VERSION_WAIT = "LATENTSERVE_VERSION_WAIT";

  public static final int DEFAULT_PORT = 50053;
  public static final int DEFAULT_METRICS_PORT = 9466;

  public EvaluatorConfig {
    checkHost("host", host);
    checkPort("port", port);
    checkPort("metricsPort", metricsPort);
    Objects.requireNonNull(reportsDir, "reportsDir");
    Objects.requireNonNull(dataDir, "dataDir");
    checkNonNegative("shutdownGrace", shutdownGrace);
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(inferenceSecurity, "inferenceSecurity");
    checkPositive("maxConcurrentEvaluations", maxConcurrentEvaluations);
    // Both records validate the rest and name the setting.
    inferenceClient(inferenceTarget, callDeadline, maxAttempts, versionWait);
    options(maxK, maxRowsPerCall, parallelCalls, rateSamples, mmdSamples);
  }

  private static InferenceClientConfig inferenceClient(
      String target, Duration deadline, int attempts, Duration versionWait) {
    Objects.requireNonNull(target, "inferenceTarget");
    Objects.requireNonNull(deadline, "callDeadline");
    Objects.requireNonNull(versionWait, "versionWait");
    return InferenceClientConfig.of(target)
        .withCallDeadline(deadline)
        .withMaxAttempts(attempts)
        .withVersionWait(versionWait);
  }

  private static EvaluatorOptions options(
      int maxK, int maxRowsPerCall, int parallelCalls, int rateSamples, int mmdSamples) {
    EvaluatorOptions d = EvaluatorOptions.defaults();
    return new EvaluatorOptions(
        maxK,
        maxRowsPerCall,
        d.maxWeightsPerCall(),
        parallelCalls,
        rateSamples,
        mmdSamples,
        d.previewSamples(),
        d.previewReconstructions());
  }

  /** The inference client's settings. */
  public InferenceClientConfig inferenceClient() {
    return inferenceClient(inferenceTarget, callDeadline, maxAttempts, versionWait);
  }

  /** The evaluation pipeline's settings. */
  public EvaluatorOptions evaluatorOptions() {
    return options(maxK, maxRowsPerCall, parallelCalls, rateSamples, mmdSamples);
  }

  public static Builder builder() {
    return new Builder();
  }

  public static EvaluatorConfig defaults() {
    return builder().build();
  }

  public Builder toBuilder() {
    return new Builder()
        .host(host)
        .port(port)
        .metricsPort(metricsPort)
        .inferenceTarget(inferenceTarget)
        .callDeadline(callDeadline)
        .maxAttempts(maxAttempts)
        .reportsDir(reportsDir)
        .dataDir(dataDir)
        .maxK(maxK)
        .maxRowsPerCall(maxRowsPerCall)
        .parallelCalls(parallelCalls)
        .maxConcurrentEvaluations(maxConcurrentEvaluations)
        .rateSamples(rateSamples)
        .mmdSamples(mmdSamples)
        .shutdownGrace(shutdownGrace)
        .versionWait(versionWait)
        .security(security)
        .inferenceSecurity(inferenceSecurity);
  }

  /**
   * The defaults overridden by the {@code LATENTSERVE_*} variables present in {@code env}.
   * Durations are written {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601.
   *
   * @throws IllegalArgumentException naming the variable and its value when one is invalid
   */
  public static EvaluatorConfig fromEnvironment(Map<String, String> env) {
    Builder b =
        builder()
            .security(ServerSecurity.fromEnvironment(env))
            .inferenceSecurity(InferenceSecurity.fromEnvironment(env));
    return EnvironmentSettings.of(env)
        .readString(ENV_HOST, b::host)
        .readInt(ENV_PORT, b::port)
        .readInt(ENV_METRICS_PORT, b::metricsPort)
        .readString(ENV_INFERENCE_TARGET, b::inferenceTarget)
        .readDuration(ENV_CALL_DEADLINE, b::callDeadline)
        .readInt(ENV_MAX_ATTEMPTS, b::maxAttempts)
        .readDuration(ENV_VERSION_WAIT, b::versionWait)
        .readPath(ENV_REPORTS_DIR, b::reportsDir)
        .readPath(ENV_DATA_DIR, b::dataDir)
        .readInt(ENV_MAX_K, b::maxK)
        .readInt(ENV_MAX_ROWS_PER_CALL, b::maxRowsPerCall)
        .readInt(ENV_PARALLEL_CALLS, b::parallelCalls)
        .readInt(ENV_MAX_EVALUATIONS, b::maxConcurrentEvaluations)
        .readInt(ENV_RATE_SAMPLES, b::rateSamples)
        .readInt(ENV_MMD_SAMPLES, b::mmdSamples)
        .readDuration(ENV_SHUTDOWN_GRACE, b::shutdownGrace)
        .build(b::build);
  }

  /** Mutable holder of config values, starting from the defaults. */
  public static final class Builder {
    private String host = ServerTransports.EVERY_INTERFACE;
    private int port = DEFAULT_PORT;
    private int metricsPort = DEFAULT_METRICS_PORT;
    private String inferenceTarget = "localhost:50051";
    private Duration callDeadline = Duration.ofSeconds(60);
    private int maxAttempts = 4;
    private Duration versionWait = InferenceClientConfig.DEFAULT_VERSION_WAIT;
    private Path reportsDir = Path.of("reports");
    private Path dataDir = Path.of("data");
    private int maxK = 5000;
    private int maxRowsPerCall = 256;
    private int parallelCalls = 4;
    private int maxConcurrentEvaluations = 2;
    private int rateSamples = 8;
    private int mmdSamples = 2000;
    private Duration shutdownGrace = Duration.ofSeconds(20);
    private ServerSecurity security = ServerSecurity.NONE;
    private InferenceSecurity inferenceSecurity = InferenceSecurity.NONE;

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

    public Builder inferenceTarget(String v) {
      inferenceTarget = v;
      return this;
    }

    public Builder callDeadline(Duration v) {
      callDeadline = v;
      return this;
    }

    public Builder versionWait(Duration v) {
      versionWait = v;
      return this;
    }

    public Builder maxAttempts(int v) {
      maxAttempts = v;
      return this;
    }

    public Builder reportsDir(Path v) {
      reportsDir = v;
      return this;
    }

    public Builder dataDir(Path v) {
      dataDir = v;
      return this;
    }

    public Builder maxK(int v) {
      maxK = v;
      return this;
    }

    public Builder maxRowsPerCall(int v) {
      maxRowsPerCall = v;
      return this;
    }

    public Builder parallelCalls(int v) {
      parallelCalls = v;
      return this;
    }

    public Builder maxConcurrentEvaluations(int v) {
      maxConcurrentEvaluations = v;
      return this;
    }

    public Builder rateSamples(int v) {
      rateSamples = v;
      return this;
    }

    public Builder mmdSamples(int v) {
      mmdSamples = v;
      return this;
    }

    public Builder shutdownGrace(Duration v) {
      shutdownGrace = v;
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
     * How the evaluator reaches inference; read from the environment by {@link #fromEnvironment}.
     */
    public Builder inferenceSecurity(InferenceSecurity inferenceSecurity) {
      this.inferenceSecurity = inferenceSecurity;
      return this;
    }

    /**
     * The validated config.
     *
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public EvaluatorConfig build() {
      return new EvaluatorConfig(
          host,
          port,
          metricsPort,
          inferenceTarget,
          callDeadline,
          maxAttempts,
          reportsDir,
          dataDir,
          maxK,
          maxRowsPerCall,
          parallelCalls,
          maxConcurrentEvaluations,
          rateSamples,
          mmdSamples,
          shutdownGrace,
          versionWait,
          security,
          inferenceSecurity);
    }
  }
}
