package io.latentserve.cli;

import io.latentserve.evaluator.app.EvaluatorConfig;
import io.latentserve.evaluator.app.EvaluatorMain;
import io.latentserve.evaluator.app.EvaluatorServer;
import io.latentserve.inference.app.InferenceConfig;
import io.latentserve.inference.app.InferenceMain;
import io.latentserve.inference.app.InferenceServer;
import io.latentserve.trainer.app.TrainerConfig;
import io.latentserve.trainer.app.TrainerMain;
import io.latentserve.trainer.app.TrainerServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code latentserve serve <service>}: runs one service in the foreground until SIGTERM or Ctrl-C.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run a latentserve service in the foreground (stops gracefully on SIGTERM or Ctrl-C).",
    subcommands = {
      ServeCommand.Inference.class,
      ServeCommand.Trainer.class,
      ServeCommand.Evaluator.class
    })
final class ServeCommand {

  /**
   * Flags override the {@code LATENTSERVE_*} environment, which overrides the defaults. A flag is
   * applied by writing it over its variable, so that flags and environment share one parser and one
   * validation.
   */
  @Command(
      name = "inference",
      mixinStandardHelpOptions = true,
      description = "Serve every bundle of a model repository with ONNX Runtime.")
  static final class Inference implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin BindAddress bindAddress;

    @Option(
        names = "--port",
        description = "gRPC port; 0 picks a free one (env LATENTSERVE_PORT; default 50051).")
    Integer port;

    @Option(
        names = "--metrics-port",
        description = "Prometheus /metrics port (env LATENTSERVE_METRICS_PORT; default 9464).")
    Integer metricsPort;

    @Option(
        names = "--model-repository",
        description =
            "Model repository root <root>/<model>/<version>/ (env LATENTSERVE_MODEL_REPOSITORY; "
                + "default ./models).")
    Path modelRepository;

    @Option(
        names = "--device",
        description = "auto, cpu or cuda:N (env LATENTSERVE_DEVICE; default auto).")
    String device;

    @Option(
        names = "--batching",
        arity = "1",
        description =
            "Batch concurrent requests per model: true or false (env LATENTSERVE_BATCHING).")
    Boolean batching;

    @Option(
        names = "--max-batch-rows",
        description = "Rows per batched run (env LATENTSERVE_MAX_BATCH_ROWS).")
    Integer maxBatchRows;

    @Option(
        names = "--max-queue-delay",
        description =
            "Longest wait for a batch to fill, e.g. 2ms (env LATENTSERVE_MAX_QUEUE_DELAY).")
    String maxQueueDelay;

    @Option(
        names = "--max-queue-length",
        description =
            "Queued requests per model before RESOURCE_EXHAUSTED (env LATENTSERVE_MAX_QUEUE_LENGTH).")
    Integer maxQueueLength;

    @Option(
        names = "--max-message-bytes",
        description = "Largest inbound message, e.g. 64MiB (env LATENTSERVE_MAX_MESSAGE_BYTES).")
    String maxMessageBytes;

    @Option(
        names = "--max-rows-per-request",
        description = "Rows one request may carry (env LATENTSERVE_MAX_ROWS_PER_REQUEST).")
    Integer maxRowsPerRequest;

    @Option(
        names = "--max-k",
        description = "Importance samples per row (env LATENTSERVE_MAX_K; default 5000).")
    Integer maxK;

    @Option(
        names = "--reload-interval",
        description = "Repository scan period, e.g. 1s (env LATENTSERVE_RELOAD_INTERVAL).")
    String reloadInterval;

    @Option(
        names = "--intra-op-threads",
        description =
            "ONNX Runtime threads per session; 0 lets it choose (env LATENTSERVE_INTRA_OP_THREADS).")
    Integer intraOpThreads;

    @Override
    public Integer call() throws Exception {
      Map<String, String> env = new HashMap<>(System.getenv());
      override(env, InferenceConfig.ENV_HOST, bindAddress.host);
      override(env, InferenceConfig.ENV_PORT, port);
      override(env, InferenceConfig.ENV_METRICS_PORT, metricsPort);
      override(env, InferenceConfig.ENV_MODEL_REPOSITORY, modelRepository);
      override(env, InferenceConfig.ENV_DEVICE, device);
      override(env, InferenceConfig.ENV_BATCHING, batching);
      override(env, InferenceConfig.ENV_MAX_BATCH_ROWS, maxBatchRows);
      override(env, InferenceConfig.ENV_MAX_QUEUE_DELAY, maxQueueDelay);
      override(env, InferenceConfig.ENV_MAX_QUEUE_LENGTH, maxQueueLength);
      override(env, InferenceConfig.ENV_MAX_MESSAGE_BYTES, maxMessageBytes);
      override(env, InferenceConfig.ENV_MAX_ROWS_PER_REQUEST, maxRowsPerRequest);
      override(env, InferenceConfig.ENV_MAX_K, maxK);
      override(env, InferenceConfig.ENV_RELOAD_INTERVAL, reloadInterval);
      override(env, InferenceConfig.ENV_INTRA_OP_THREADS, intraOpThreads);
      InferenceConfig config = InferenceConfig.fromEnvironment(env);
      InferenceServer server = InferenceMain.start(config);
      spec.commandLine()
          .getOut()
          .printf(
              "inference-service listening on port %d%s, metrics on http://localhost:%d/metrics%n",
              server.port(), ofHost(config.host()), server.metricsPort());
      spec.commandLine().getOut().flush();
      server.awaitTermination();
      return 0;
    }
  }

  /** See {@link Inference} for how flags and environment combine. */
  @Command(
      name = "trainer",
      mixinStandardHelpOptions = true,
      description =
          "Train VAE-family models with SameDiff and publish them into a model repository.")
  static final class Trainer implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin BindAddress bindAddress;

    @Option(
        names = "--port",
        description = "gRPC port; 0 picks a free one (env LATENTSERVE_PORT; default 50052).")
    Integer port;

    @Option(
        names = "--metrics-port",
        description = "Prometheus /metrics port (env LATENTSERVE_METRICS_PORT; default 9465).")
    Integer metricsPort;

    @Option(
        names = "--model-repository",
        description =
            "Model repository root the bundles are published into (env LATENTSERVE_MODEL_REPOSITORY; "
                + "default ./models).")
    Path modelRepository;

    @Option(
        names = "--data-dir",
        description = "Dataset folder (env LATENTSERVE_DATA_DIR; default ./data).")
    Path dataDir;

    @Option(
        names = "--jobs-dir",
        description =
            "Job state and checkpoints (env LATENTSERVE_JOBS_DIR; default trainer-jobs beside the "
                + "repository).")
    Path jobsDir;

    @Option(
        names = "--max-concurrent-jobs",
        description = "Jobs trained at once (env LATENTSERVE_MAX_CONCURRENT_JOBS; default 1).")
    Integer maxConcurrentJobs;

    @Override
    public Integer call() throws Exception {
      Map<String, String> env = new HashMap<>(System.getenv());
      override(env, TrainerConfig.ENV_HOST, bindAddress.host);
      override(env, TrainerConfig.ENV_PORT, port);
      override(env, TrainerConfig.ENV_METRICS_PORT, metricsPort);
      override(env, TrainerConfig.ENV_MODEL_REPOSITORY, modelRepository);
      override(env, TrainerConfig.ENV_DATA_DIR, dataDir);
      override(env, TrainerConfig.ENV_JOBS_DIR, jobsDir);
      override(env, TrainerConfig.ENV_MAX_CONCURRENT_JOBS, maxConcurrentJobs);
      TrainerConfig config = TrainerConfig.fromEnvironment(env);
      TrainerServer server = TrainerMain.start(config);
      spec.commandLine()
          .getOut()
          .printf(
              "trainer-service listening on port %d%s, metrics on http://localhost:%d/metrics%n",
              server.port(), ofHost(config.host()), server.metricsPort());
      spec.commandLine().getOut().flush();
      server.awaitTermination();
      return 0;
    }
  }

  /** See {@link Inference} for how flags and environment combine. */
  @Command(
      name = "evaluator",
      mixinStandardHelpOptions = true,
      description =
          "Evaluate models (IW-LL, ELBO, rates, active units, MI) by calling inference-service.")
  static final class Evaluator implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin BindAddress bindAddress;

    @Option(
        names = "--port",
        description = "gRPC port; 0 picks a free one (env LATENTSERVE_PORT; default 50053).")
    Integer port;

    @Option(
        names = "--metrics-port",
        description = "Prometheus /metrics port (env LATENTSERVE_METRICS_PORT; default 9466).")
    Integer metricsPort;

    @Option(
        names = "--inference-target",
        description =
            "inference-service replicas: HOST:PORT, a comma-separated list, or a dns:/// name "
                + "(env LATENTSERVE_INFERENCE_TARGET; default localhost:50051).")
    String inferenceTarget;

    @Option(
        names = "--reports",
        description = "Report folder (env LATENTSERVE_REPORTS_DIR; default ./reports).")
    Path reports;

    @Option(
        names = "--data-dir",
        description = "Dataset folder (env LATENTSERVE_DATA_DIR; default ./data).")
    Path dataDir;

    @Option(
        names = "--call-deadline",
        description = "Deadline of each inference call, e.g. 60s (env LATENTSERVE_CALL_DEADLINE).")
    String callDeadline;

    @Option(
        names = "--parallel-calls",
        description = "Inference calls in flight per evaluation (env LATENTSERVE_PARALLEL_CALLS).")
    Integer parallelCalls;

    @Option(
        names = "--max-k",
        description = "Largest k a request may ask for (env LATENTSERVE_MAX_K; default 5000).")
    Integer maxK;

    @Override
    public Integer call() throws Exception {
      Map<String, String> env = new HashMap<>(System.getenv());
      override(env, EvaluatorConfig.ENV_HOST, bindAddress.host);
      override(env, EvaluatorConfig.ENV_PORT, port);
      override(env, EvaluatorConfig.ENV_METRICS_PORT, metricsPort);
      override(env, EvaluatorConfig.ENV_INFERENCE_TARGET, inferenceTarget);
      override(env, EvaluatorConfig.ENV_REPORTS_DIR, reports);
      override(env, EvaluatorConfig.ENV_DATA_DIR, dataDir);
      override(env, EvaluatorConfig.ENV_CALL_DEADLINE, callDeadline);
      override(env, EvaluatorConfig.ENV_PARALLEL_CALLS, parallelCalls);
      override(env, EvaluatorConfig.ENV_MAX_K, maxK);
      EvaluatorConfig config = EvaluatorConfig.fromEnvironment(env);
      EvaluatorServer server = EvaluatorMain.start(config);
      spec.commandLine()
          .getOut()
          .printf(
              "evaluator-service listening on port %d%s, metrics on http://localhost:%d/metrics%n",
              server.port(), ofHost(config.host()), server.metricsPort());
      spec.commandLine().getOut().flush();
      server.awaitTermination();
      return 0;
    }
  }

  static void override(Map<String, String> env, String variable, Object flag) {
    if (flag != null) {
      env.put(variable, flag.toString());
    }
  }

  /** The {@code --host} option that every service's command shares. */
  static final class BindAddress {
    @Option(
        names = "--host",
        description =
            "Address the gRPC server binds, an IP address or a host name (env LATENTSERVE_HOST;"
                + " default every interface; /metrics always binds every interface).")
    String host;
  }

  /** How the listening line names a bound address: nothing for every interface. */
  static String ofHost(String host) {
    return host.isEmpty() ? "" : " of " + host;
  }
}
