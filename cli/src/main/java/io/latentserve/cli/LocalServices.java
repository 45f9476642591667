package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * inference-, trainer- and evaluator-service as child processes on free loopback ports, sharing one
 * work folder: {@code models/} (the repository), {@code jobs/}, {@code reports/} and {@code logs/}.
 * This is how {@code quickstart} and the end-to-end benchmarks run the pipeline on one machine.
 *
 * <p>Create it, register {@link #close()} wherever the processes must not outlive the caller (e.g.
 * a shutdown hook), then {@link #start()}: a close during or after the start stops whatever has
 * started.
 */
public final class LocalServices implements AutoCloseable {
  private final Path work;
  private final Path dataDir;
  private final List<ServiceProcess> processes = new ArrayList<>();
  private ServiceProcess inference;
  private ServiceProcess trainer;
  private ServiceProcess evaluator;

  /**
   * @param work the work folder, created if missing
   * @param dataDir the dataset folder trainer and evaluator read
   */
  public LocalServices(Path work, Path dataDir) {
    this.work = work.toAbsolutePath();
    this.dataDir = dataDir.toAbsolutePath();
  }

  /** Starts the three processes; {@link #awaitServing} waits until they serve. */
  public LocalServices start() {
    Path repository = work.resolve("models");
    Path logs;
    try {
      logs = Files.createDirectories(work.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + work.resolve("logs"), e);
    }
    inference =
        start(
            "inference",
            logs,
            "--model-repository",
            repository.toString(),
            "--reload-interval",
            "1s");
    trainer =
        start(
            "trainer",
            logs,
            "--model-repository",
            repository.toString(),
            "--data-dir",
            dataDir.toString(),
            "--jobs-dir",
            work.resolve("jobs").toString());
    evaluator =
        start(
            "evaluator",
            logs,
            "--inference-target",
            inference.target(),
            "--reports",
            work.resolve("reports").toString(),
            "--data-dir",
            dataDir.toString());
    return this;
  }

  private synchronized ServiceProcess start(String service, Path logs, String... args) {
    List<String> flags = new ArrayList<>(List.of(args));
    flags.add("--metrics-port");
    flags.add(Integer.toString(ServiceProcess.freePort()));
    // Loopback only: these are plaintext services without tokens, for this machine alone.
    ServiceProcess process =
        ServiceProcess.start(
            service,
            List.of(),
            "127.0.0.1",
            ServiceProcess.freePort(),
            flags,
            logs.resolve(service + ".log"));
    processes.add(process);
    return process;
  }

  /** Waits until every process reports SERVING on grpc.health.v1. */
  public void awaitServing(Duration timeout) {
    for (ServiceProcess process : List.copyOf(processes)) {
      process.awaitServing(timeout, elapsed -> {});
    }
  }

  public ServiceProcess inference() {
    return inference;
  }

  public ServiceProcess trainer() {
    return trainer;
  }

  public ServiceProcess evaluator() {
    return evaluator;
  }

  /** The folder of the service logs. */
  public Path logs() {
    return work.resolve("logs");
  }

  /** Stops the processes gracefully, each within {@code grace}. */
  public synchronized void stop(Duration grace) {
    for (ServiceProcess process : processes) {
      process.stop(grace);
    }
  }

  /** Stops whatever still runs. */
  @Override
  public synchronized void close() {
    processes.forEach(ServiceProcess::close);
  }

  /**
   * Polls GetModel until {@code inference} serves the published version: inference-service picks a
   * new bundle up by itself.
   *
   * @throws CliException if it has not within two minutes
   */
  public static void awaitServed(ServiceProcess inference, ModelInfo published) {
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(inference.target()).usePlaintext().build();
    Instant deadline = Instant.now().plusSeconds(120);
    try {
      InferenceGrpc.InferenceBlockingStub stub = InferenceGrpc.newBlockingStub(channel);
      while (true) {
        try {
          stub.withDeadlineAfter(5, TimeUnit.SECONDS)
              .getModel(
                  GetModelRequest.newBuilder()
                      .setModel(
                          ModelRef.newBuilder()
                              .setName(published.getName())
                              .setVersion(published.getVersion()))
                      .build());
          return;
        } catch (StatusRuntimeException notYet) {
          if (Instant.now().isAfter(deadline)) {
            throw new CliException(
                "inference-service did not load "
                    + published.getName()
                    + "/"
                    + published.getVersion()
                    + " within 2 minutes; see "
                    + inference.log());
          }
        }
        try {
          // poll interval of the hot-reload check above, not a wait for readiness
          TimeUnit.MILLISECONDS.sleep(250);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CliException("interrupted");
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }
}
