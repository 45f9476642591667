package io.latentserve.cli;

import io.latentserve.evaluator.app.EvaluatorConfig;
import io.latentserve.evaluator.app.EvaluatorMain;
import io.latentserve.evaluator.app.EvaluatorServer;
import io.latentserve.evaluator.app.InferenceSecurity;
import io.latentserve.inference.app.InferenceConfig;
import io.latentserve.inference.app.InferenceMain;
import io.latentserve.inference.app.InferenceServer;
import io.latentserve.server.security.ServerSecurity;
import io.latentserve.trainer.app.TrainerConfig;
import io.latentserve.trainer.app.TrainerMain;
import io.latentserve.trainer.app.TrainerServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code latentserve serve <service>}: runs one service in the foreground until SIGTERM or Ctrl-C.
 *
 * <p>Each service's options come from its {@link ServiceSettings}: flags override the {@code
 * LATENTSERVE_*} environment, which overrides the defaults. A flag is applied by writing it over
 * its variable, so that flags and environment share one parser and one validation.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run a latentserve service in the foreground (stops gracefully on SIGTERM or Ctrl-C).")
final class ServeCommand {
  private static final String HOST_MEANING =
      "address the gRPC server binds, an IP address or a host name (`/metrics` binds it too unless"
          + " `--metrics-host` says otherwise)";
  private static final String EVERY_INTERFACE = "every interface";

  static final ServiceSettings<InferenceConfig> INFERENCE =
      server(
              new ServiceSettings<InferenceConfig>(
                  "inference-service", InferenceConfig::fromEnvironment),
              InferenceConfig.ENV_HOST,
              InferenceConfig::host,
              InferenceConfig.ENV_PORT,
              InferenceConfig::port,
              InferenceConfig.ENV_METRICS_PORT,
              InferenceConfig::metricsPort,
              InferenceConfig::security)
          .flag(
              "--model-repository",
              "<dir>",
              InferenceConfig.ENV_MODEL_REPOSITORY,
              InferenceConfig::modelRepository,
              "repository root `<root>/<model>/<version>/`; created, with a warning, if missing")
          .flag(
              "--device",
              "<device>",
              InferenceConfig.ENV_DEVICE,
              InferenceConfig::device,
              "`auto` (CUDA if a GPU is visible, else CPU), `cpu` or `cuda:N`")
          .flag(
              "--batching",
              "<true|false>",
              InferenceConfig.ENV_BATCHING,
              InferenceConfig::batching,
              "dynamic batching of concurrent requests per model")
          .flag(
              "--max-batch-rows",
              "<rows>",
              InferenceConfig.ENV_MAX_BATCH_ROWS,
              InferenceConfig::maxBatchRows,
              "rows per batched run")
          .flag(
              "--max-queue-delay",
              "<duration>",
              InferenceConfig.ENV_MAX_QUEUE_DELAY,
              InferenceConfig::maxQueueDelay,
              "longest wait for a batch to fill, e.g. 2ms")
          .flag(
              "--max-queue-length",
              "<requests>",
              InferenceConfig.ENV_MAX_QUEUE_LENGTH,
              InferenceConfig::maxQueueLength,
              "queued requests per model, and requests of at least max-batch-rows rows running alone,"
                  + " before `RESOURCE_EXHAUSTED`")
          .flag(
              "--max-message-bytes",
              "<size>",
              InferenceConfig.ENV_MAX_MESSAGE_BYTES,
              c -> ServiceSettings.bytes(c.maxMessageBytes()),
              "largest inbound message, e.g. 64MiB")
          .flag(
              "--max-rows-per-request",
              "<rows>",
              InferenceConfig.ENV_MAX_ROWS_PER_REQUEST,
              InferenceConfig::maxRowsPerRequest,
              "rows one request may carry")
          .flag(
              "--max-k",
              "<k>",
              InferenceConfig.ENV_MAX_K,
              InferenceConfig::maxK,
              "importance samples per row")
          .flag(
              "--reload-interval",
              "<duration>",
              InferenceConfig.ENV_RELOAD_INTERVAL,
              InferenceConfig::reloadInterval,
              "repository scan period, e.g. 1s")
          .flag(
              "--intra-op-threads",
              "<threads>",
              InferenceConfig.ENV_INTRA_OP_THREADS,
              InferenceConfig::intraOpThreads,
              "ONNX Runtime threads per session (0: ONNX Runtime chooses)")
          .flag(
              "--max-importance-streams",
              "<streams>",
              InferenceConfig.ENV_MAX_IMPORTANCE_STREAMS,
              InferenceConfig::maxImportanceStreams,
              "`ImportanceWeights` streams computed at once, off the gRPC threads; one more gets"
                  + " `RESOURCE_EXHAUSTED`")
          .flag(
              "--stream-stall-timeout",
              "<duration>",
              InferenceConfig.ENV_STREAM_STALL_TIMEOUT,
              InferenceConfig::streamStallTimeout,
              "how long an `ImportanceWeights` stream waits for its client to read on; then it ends"
                  + " (`DEADLINE_EXCEEDED`) and releases its model version")
          .flag(
              "--max-pooled-buffer-bytes",
              "<size>",
              InferenceConfig.ENV_MAX_POOLED_BUFFER_BYTES,
              c -> ServiceSettings.bytes(c.maxPooledBufferBytes()),
              "direct-buffer bytes the process keeps for reuse (one pool for every loaded model), e.g. 64MiB")
          .flag(
              "--version-policy",
              "<policy>",
              InferenceConfig.ENV_VERSION_POLICY,
              InferenceConfig::versionPolicy,
              "versions served of a model without a `version_policy` file in its folder (the file"
                  + " wins): `latest N`, `all` or `specific V1 V2 ...`")
          .flag(
              "--memory-budget",
              "<size>",
              InferenceConfig.ENV_MEMORY_BUDGET,
              c -> c.memoryBudgetBytes() == 0 ? "0" : ServiceSettings.bytes(c.memoryBudgetBytes()),
              "memory the loaded models may hold, e.g. 4GiB; 0: no limit. With a limit, models load"
                  + " on their first request and the least recently used idle ones unload")
          .env(
              InferenceConfig.ENV_LOAD_WAIT,
              InferenceConfig::loadWait,
              "longest a request without a deadline waits for its model to load")
          .flag(
              "--shared-threads",
              "<true|false>",
              InferenceConfig.ENV_SHARED_THREADS,
              InferenceConfig::sharedThreads,
              "one ONNX Runtime thread pool for every session rather than one per session")
          .flag(
              "--cpu-arena",
              "<true|false>",
              InferenceConfig.ENV_CPU_ARENA,
              InferenceConfig::cpuArena,
              "ONNX Runtime's CPU memory arena per session (off: the system allocator)")
          .env(
              InferenceConfig.ENV_SHUTDOWN_GRACE,
              InferenceConfig::shutdownGrace,
              "how long calls in flight may run after SIGTERM");

  static final ServiceSettings<TrainerConfig> TRAINER =
      server(
              new ServiceSettings<TrainerConfig>("trainer-service", TrainerConfig::fromEnvironment),
              TrainerConfig.ENV_HOST,
              TrainerConfig::host,
              TrainerConfig.ENV_PORT,
              TrainerConfig::port,
              TrainerConfig.ENV_METRICS_PORT,
              TrainerConfig::metricsPort,
              TrainerConfig::security)
          .flag(
              "--model-repository",
              "<dir>",
              TrainerConfig.ENV_MODEL_REPOSITORY,
              TrainerConfig::modelRepository,
              "repository root the bundles are published into")
          .flag(
              "--data-dir",
              "<dir>",
              TrainerConfig.ENV_DATA_DIR,
              TrainerConfig::dataDir,
              "dataset folder")
          .flag(
              "--jobs-dir",
              "<dir>",
              TrainerConfig.ENV_JOBS_DIR,
              TrainerConfig::jobsDir,
              "`trainer-jobs` beside the repository",
              "job state and checkpoints; a restarted trainer resumes the jobs it finds there")
          .flag(
              "--max-concurrent-jobs",
              "<jobs>",
              TrainerConfig.ENV_MAX_CONCURRENT_JOBS,
              TrainerConfig::maxConcurrentJobs,
              "jobs trained at once")
          .env(
              TrainerConfig.ENV_MAX_QUEUED_JOBS,
              TrainerConfig::maxQueuedJobs,
              "queued jobs beyond which SubmitJob answers `RESOURCE_EXHAUSTED`")
          .flag(
              "--max-sweep-points",
              "<points>",
              TrainerConfig.ENV_MAX_SWEEP_POINTS,
              TrainerConfig::maxSweepPoints,
              "the most points a sweep may have; more is `INVALID_ARGUMENT`")
          .env(
              TrainerConfig.ENV_MAX_STEP_SAMPLES,
              TrainerConfig::maxStepSamples,
              "largest batch size times k of one step")
          .flag(
              "--max-latent-dim",
              "<units>",
              TrainerConfig.ENV_MAX_LATENT_DIM,
              TrainerConfig::maxLatentDim,
              "largest latent size of a stochastic layer a job may ask for; more is"
                  + " `RESOURCE_EXHAUSTED`")
          .flag(
              "--max-hidden-width",
              "<units>",
              TrainerConfig.ENV_MAX_HIDDEN_WIDTH,
              TrainerConfig::maxHiddenWidth,
              "widest hidden layer a job may ask for")
          .flag(
              "--max-layers",
              "<layers>",
              TrainerConfig.ENV_MAX_LAYERS,
              TrainerConfig::maxLayers,
              "most stochastic layers of a model")
          .flag(
              "--max-hidden-layers",
              "<layers>",
              TrainerConfig.ENV_MAX_HIDDEN_LAYERS,
              TrainerConfig::maxHiddenLayers,
              "most hidden layers of one stochastic layer's networks")
          .flag(
              "--max-parameters",
              "<count>",
              TrainerConfig.ENV_MAX_PARAMETERS,
              TrainerConfig::maxParameters,
              "most trainable parameters of a model")
          .flag(
              "--max-step-memory",
              "<size>",
              TrainerConfig.ENV_MAX_STEP_MEMORY,
              c -> ServiceSettings.bytes(c.maxStepMemory()),
              "largest estimated activation memory of one step: batch size x k x activations per"
                  + " sample x 8 bytes (README: Resource limits), e.g. 4GiB")
          .env(
              TrainerConfig.ENV_CHECKPOINT_INTERVAL,
              TrainerConfig::checkpointInterval,
              "least time between two checkpoints within an epoch")
          .env(
              TrainerConfig.ENV_PROGRESS_INTERVAL,
              TrainerConfig::progressInterval,
              "least time between two progress events within an epoch")
          .env(
              TrainerConfig.ENV_CANCEL_WAIT,
              TrainerConfig::cancelWait,
              "how long CancelJob waits for a running job to stop")
          .env(
              TrainerConfig.ENV_SHUTDOWN_GRACE,
              TrainerConfig::shutdownGrace,
              "how long calls in flight may run after SIGTERM");

  static final ServiceSettings<EvaluatorConfig> EVALUATOR =
      server(
              new ServiceSettings<EvaluatorConfig>(
                  "evaluator-service", EvaluatorConfig::fromEnvironment),
              EvaluatorConfig.ENV_HOST,
              EvaluatorConfig::host,
              EvaluatorConfig.ENV_PORT,
              EvaluatorConfig::port,
              EvaluatorConfig.ENV_METRICS_PORT,
              EvaluatorConfig::metricsPort,
              EvaluatorConfig::security)
          .flag(
              "--inference-target",
              "<target>",
              EvaluatorConfig.ENV_INFERENCE_TARGET,
              EvaluatorConfig::inferenceTarget,
              "inference-service replicas: `HOST:PORT`, a comma-separated list, or a `dns:///`"
                  + " name")
          .flag(
              "--inference-tls-ca",
              "<file>",
              InferenceSecurity.ENV_TLS_CA,
              c -> c.inferenceSecurity().tlsCa(),
              "none (plaintext)",
              "PEM CA bundle that signs inference-service's certificate: TLS to inference")
          .flag(
              "--inference-tls-cert",
              "<file>",
              InferenceSecurity.ENV_TLS_CERT,
              c -> c.inferenceSecurity().tlsCert(),
              "none",
              "the evaluator's PEM client certificate for inference-service (mTLS)")
          .flag(
              "--inference-tls-key",
              "<file>",
              InferenceSecurity.ENV_TLS_KEY,
              c -> c.inferenceSecurity().tlsKey(),
              "none",
              "PEM private key (PKCS#8) of `--inference-tls-cert`")
          .flag(
              "--inference-token-file",
              "<file>",
              InferenceSecurity.ENV_TOKEN_FILE,
              c -> c.inferenceSecurity().tokenFile(),
              "none (no token sent)",
              "file holding the evaluator's own token for inference-service (role `read`), sent"
                  + " instead of any caller's")
          .flag(
              "--reports",
              "<dir>",
              EvaluatorConfig.ENV_REPORTS_DIR,
              EvaluatorConfig::reportsDir,
              "report folder")
          .flag(
              "--data-dir",
              "<dir>",
              EvaluatorConfig.ENV_DATA_DIR,
              EvaluatorConfig::dataDir,
              "dataset folder")
          .flag(
              "--call-deadline",
              "<duration>",
              EvaluatorConfig.ENV_CALL_DEADLINE,
              EvaluatorConfig::callDeadline,
              "deadline of each inference call, e.g. 60s")
          .flag(
              "--parallel-calls",
              "<calls>",
              EvaluatorConfig.ENV_PARALLEL_CALLS,
              EvaluatorConfig::parallelCalls,
              "inference calls in flight per evaluation")
          .flag(
              "--max-k",
              "<k>",
              EvaluatorConfig.ENV_MAX_K,
              EvaluatorConfig::maxK,
              "largest k a request may ask for")
          .env(
              EvaluatorConfig.ENV_MAX_ATTEMPTS,
              EvaluatorConfig::maxAttempts,
              "attempts per inference call (a retry goes to the next replica); a"
                  + " `RESOURCE_EXHAUSTED` from a fixed limit is not retried")
          .env(
              EvaluatorConfig.ENV_VERSION_WAIT,
              EvaluatorConfig::versionWait,
              "how long a call pinned to a version retries `NOT_FOUND` and `FAILED_PRECONDITION`"
                  + " from replicas that have not loaded it yet (on the others, and on the same one"
                  + " after a pause)")
          .env(
              EvaluatorConfig.ENV_MAX_ROWS_PER_CALL,
              EvaluatorConfig::maxRowsPerCall,
              "most rows per inference call")
          .env(
              EvaluatorConfig.ENV_MAX_EVALUATIONS,
              EvaluatorConfig::maxConcurrentEvaluations,
              "evaluations running at once; more get `RESOURCE_EXHAUSTED`")
          .env(
              EvaluatorConfig.ENV_RATE_SAMPLES,
              EvaluatorConfig::rateSamples,
              "posterior draws per example for the per-layer rates")
          .env(
              EvaluatorConfig.ENV_MMD_SAMPLES,
              EvaluatorConfig::mmdSamples,
              "most draws per distribution for the MMD")
          .env(
              EvaluatorConfig.ENV_SHUTDOWN_GRACE,
              EvaluatorConfig::shutdownGrace,
              "how long running evaluations may continue after SIGTERM");

  private ServeCommand() {}

  /** The {@code --host}, {@code --port} and {@code --metrics-port} that every service has. */
  private static <C> ServiceSettings<C> server(
      ServiceSettings<C> settings,
      String hostEnv,
      Function<C, Object> host,
      String portEnv,
      Function<C, Object> port,
      String metricsPortEnv,
      Function<C, Object> metricsPort,
      Function<C, ServerSecurity> security) {
    return settings
        .flag("--host", "<host>", hostEnv, host, EVERY_INTERFACE, HOST_MEANING)
        .flag("--port", "<port>", portEnv, port, "gRPC port (0: a free port)")
        .flag(
            "--metrics-port",
            "<port>",
            metricsPortEnv,
            metricsPort,
            "Prometheus `/metrics` port (0: a free port)")
        .flag(
            "--metrics-host",
            "<host>",
            ServerSecurity.ENV_METRICS_HOST,
            c -> security.apply(c).metricsHost(),
            "the gRPC bind address",
            "address `/metrics` binds, an IP address or a host name (`0.0.0.0`: every IPv4"
                + " interface)")
        .flag(
            "--tls-cert",
            "<file>",
            ServerSecurity.ENV_TLS_CERT,
            c -> security.apply(c).tlsCert(),
            "none (plaintext)",
            "PEM certificate chain of the server: TLS on the gRPC port; re-read when it changes")
        .flag(
            "--tls-key",
            "<file>",
            ServerSecurity.ENV_TLS_KEY,
            c -> security.apply(c).tlsKey(),
            "none",
            "PEM private key (PKCS#8) of `--tls-cert`; re-read when it changes")
        .flag(
            "--tls-client-ca",
            "<file>",
            ServerSecurity.ENV_TLS_CLIENT_CA,
            c -> security.apply(c).tlsClientCa(),
            "none (no client certificate)",
            "PEM trust bundle: every client must present a certificate it signed (mTLS)")
        .flag(
            "--auth-tokens",
            "<file>",
            ServerSecurity.ENV_AUTH_TOKENS,
            c -> security.apply(c).authTokens(),
            "none (no token asked)",
            "tokens file, one `token roles subject` a line: every call but health and reflection"
                + " needs a bearer token with its method's role");
  }

  /** Adds {@code inference}, {@code trainer} and {@code evaluator} to the {@code serve} command. */
  static void addServices(CommandLine serve) {
    serve.addSubcommand(
        "inference",
        new Service<>(
                INFERENCE,
                InferenceConfig::host,
                c -> c.security().metricsHostOr(c.host()),
                (config, err) -> {
                  ensureRepository(config.modelRepository(), err);
                  InferenceServer s = InferenceMain.start(config);
                  return new Running(s.port(), s.metricsPort(), s::awaitTermination);
                })
            .spec("inference", "Serve every bundle of a model repository with ONNX Runtime."));
    serve.addSubcommand(
        "trainer",
        new Service<>(
                TRAINER,
                TrainerConfig::host,
                c -> c.security().metricsHostOr(c.host()),
                (config, err) -> {
                  TrainerServer s = TrainerMain.start(config);
                  return new Running(s.port(), s.metricsPort(), s::awaitTermination);
                })
            .spec(
                "trainer",
                "Train VAE-family models with SameDiff and publish them into a model repository."));
    serve.addSubcommand(
        "evaluator",
        new Service<>(
                EVALUATOR,
                EvaluatorConfig::host,
                c -> c.security().metricsHostOr(c.host()),
                (config, err) -> {
                  EvaluatorServer s = EvaluatorMain.start(config);
                  return new Running(s.port(), s.metricsPort(), s::awaitTermination);
                })
            .spec(
                "evaluator",
                "Evaluate models (IW-LL, ELBO, rates, active units, MI) by calling"
                    + " inference-service."));
  }

  /** The three services' settings, for README.md's tables. */
  static List<ServiceSettings<?>> all() {
    return List.of(INFERENCE, TRAINER, EVALUATOR);
  }

  /**
   * A missing repository is created, with a warning: the server then picks up bundles copied into
   * it later, and a typo in the path shows at once.
   */
  static void ensureRepository(Path repository, PrintWriter err) throws IOException {
    if (!Files.isDirectory(repository)) {
      Files.createDirectories(repository);
      err.printf(
          "latentserve: warning: model repository %s did not exist; created it empty (bundles"
              + " copied into %s/<model>/<version>/ are loaded as they appear)%n",
          repository.toAbsolutePath(), repository);
      err.flush();
    }
  }

  /** A started server, as the command waits on it. */
  record Running(int port, int metricsPort, Awaiting await) {}

  interface Awaiting {
    void awaitTermination() throws InterruptedException;
  }

  interface Starter<C> {
    Running start(C config, PrintWriter err) throws Exception;
  }

  /** {@code serve <service>}: the options of its settings, then the server in the foreground. */
  static final class Service<C> implements Callable<Integer> {
    private final ServiceSettings<C> settings;
    private final Function<C, String> host;
    private final Function<C, String> metricsHost;
    private final Starter<C> starter;
    private CommandSpec spec;

    Service(
        ServiceSettings<C> settings,
        Function<C, String> host,
        Function<C, String> metricsHost,
        Starter<C> starter) {
      this.settings = settings;
      this.host = host;
      this.metricsHost = metricsHost;
      this.starter = starter;
    }

    CommandLine spec(String name, String description) {
      spec = CommandSpec.wrapWithoutInspection(this);
      spec.name(name).mixinStandardHelpOptions(true);
      spec.usageMessage().description(description);
      settings.addOptions(spec);
      return new CommandLine(spec);
    }

    @Override
    public Integer call() throws Exception {
      CommandLine cli = spec.commandLine();
      C config = settings.config(cli.getParseResult(), System.getenv());
      PrintWriter out = cli.getOut();
      out.println(settings.effective(config));
      out.flush();
      Running server;
      try {
        server = starter.start(config, cli.getErr());
      } catch (IOException | RuntimeException e) {
        throw settings.explainBind(e, config, cli.getParseResult());
      }
      out.printf(
          "%s listening on port %d%s, metrics on http://%s:%d/metrics%n",
          settings.service(),
          server.port(),
          ofHost(host.apply(config)),
          urlHost(metricsHost.apply(config)),
          server.metricsPort());
      out.flush();
      server.await().awaitTermination();
      return 0;
    }
  }

  /** The host part of a URL to an endpoint bound to {@code host} ("" is every interface). */
  static String urlHost(String host) {
    if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
      return "localhost";
    }
    return host.contains(":") ? "[" + host + "]" : host;
  }

  /** How the listening line names a bound address: nothing for every interface. */
  static String ofHost(String host) {
    return host.isEmpty() ? "" : " of " + host;
  }
}
