package io.latentserve.it;

import io.latentserve.cli.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * The service processes of one integration test class: started with {@code latentserve serve
 * <service>} on free ports, each with its own log under {@code
 * integration-tests/target/it-logs/<class>/}, stopped (SIGTERM) after each test or after the class,
 * and with the end of every log appended to the message of whatever fails, so that a failure says
 * what the services were doing.
 *
 * <p>Register it with {@code @RegisterExtension}: a static field with {@link #stoppedAfterAll} for
 * services started in {@code @BeforeAll}, an instance field with {@link #stoppedAfterEach}
 * otherwise.
 */
final class ServiceProcesses
    implements AfterEachCallback,
        AfterAllCallback,
        TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler {
  private static final int TAIL_LINES = 60;
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  private final Path logDir;
  private final boolean stopAfterEach;
  private final List<ServiceProcess> started = new CopyOnWriteArrayList<>();
  private final Map<ServiceProcess, Integer> metricsPorts = new ConcurrentHashMap<>();
  private final Map<String, Integer> counts = new ConcurrentHashMap<>();

  private ServiceProcesses(Class<?> testClass, boolean stopAfterEach) {
    this.logDir =
        HostTool.sourceRoot()
            .resolve("integration-tests")
            .resolve("target")
            .resolve("it-logs")
            .resolve(testClass.getSimpleName());
    this.stopAfterEach = stopAfterEach;
  }

  /** Services that each test starts for itself. */
  static ServiceProcesses stoppedAfterEach(Class<?> testClass) {
    return new ServiceProcesses(testClass, true);
  }

  /** Services that the whole class shares. */
  static ServiceProcesses stoppedAfterAll(Class<?> testClass) {
    return new ServiceProcesses(testClass, false);
  }

  /**
   * Starts {@code latentserve serve <service> --port <free> --metrics-port <free> <args...>}; does
   * not wait for it to serve (see {@link #awaitServing}).
   */
  ServiceProcess start(String service, Object... args) {
    return launch(List.of(), "", ServiceProcess.freePort(), service, args);
  }

  /**
   * As {@link #start(String, Object...)}, with its gRPC server bound to {@code host:port} alone
   * (e.g. two replicas on one port of 127.0.0.1 and 127.0.0.2), and reached there.
   */
  ServiceProcess startBoundTo(String host, int port, String service, Object... args) {
    return launch(List.of(), host, port, service, args);
  }

  /** As {@link #start(String, Object...)}, in a JVM started with {@code jvmOptions}. */
  ServiceProcess startWithJvmOptions(List<String> jvmOptions, String service, Object... args) {
    return launch(jvmOptions, "", ServiceProcess.freePort(), service, args);
  }

  private ServiceProcess launch(
      List<String> jvmOptions, String host, int port, String service, Object... args) {
    int n = counts.merge(service, 1, Integer::sum);
    Path log = logDir.resolve(service + "-" + n + ".log");
    try {
      Files.createDirectories(logDir);
      Files.deleteIfExists(log);
      Files.createFile(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int metricsPort = ServiceProcess.freePort();
    List<String> flags = new ArrayList<>();
    for (Object arg : args) {
      flags.add(arg.toString());
    }
    flags.add("--metrics-port");
    flags.add(Integer.toString(metricsPort));
    ServiceProcess process = ServiceProcess.start(service, jvmOptions, host, port, flags, log);
    started.add(process);
    metricsPorts.put(process, metricsPort);
    return process;
  }

  /** The three services of one deployment, started by {@link #startPipeline}. */
  record Pipeline(ServiceProcess inference, ServiceProcess trainer, ServiceProcess evaluator) {}

  /**
   * Starts inference-, trainer- and evaluator-service as a local deployment: inference and the
   * trainer share {@code repository} (inference rescans it every 200 ms), the evaluator calls this
   * inference-service, and {@code work} holds the trainer's jobs and the evaluator's reports. Waits
   * until all three are SERVING.
   */
  Pipeline startPipeline(Path repository, Path data, Path work, Duration timeout) {
    ServiceProcess inference =
        start("inference", "--model-repository", repository, "--reload-interval", "200ms");
    ServiceProcess trainer =
        start(
            "trainer",
            "--model-repository",
            repository,
            "--data-dir",
            data,
            "--jobs-dir",
            work.resolve("jobs"));
    ServiceProcess evaluator =
        start(
            "evaluator",
            "--inference-target",
            inference.target(),
            "--reports",
            work.resolve("reports"),
            "--data-dir",
            data);
    awaitServing(timeout, inference, trainer, evaluator);
    return new Pipeline(inference, trainer, evaluator);
  }

  /** Waits until every process is SERVING (grpc.health.v1); fails if one exits first. */
  void awaitServing(Duration timeout, ServiceProcess... processes) {
    for (ServiceProcess process : processes) {
      process.awaitServing(timeout, elapsed -> {});
    }
  }

  /** The port of the process's Prometheus endpoint. */
  int metricsPort(ServiceProcess process) {
    return metricsPorts.get(process);
  }

  /** The whole log of one process. */
  static String log(ServiceProcess process) {
    try {
      return Files.readString(process.log(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last lines of every log, each under a header naming the process and whether it runs. */
  String logTails() {
    StringBuilder out = new StringBuilder();
    for (ServiceProcess process : started) {
      out.append("\n----- ")
          .append(process.log().getFileName())
          .append(" (pid ")
          .append(process.pid())
          .append(", port ")
          .append(process.port())
          .append(process.isAlive() ? ", running" : ", exited")
          .append("), last ")
          .append(TAIL_LINES)
          .append(" lines -----\n");
      try {
        List<String> lines = Files.readAllLines(process.log(), StandardCharsets.UTF_8);
        lines
            .subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())
            .forEach(line -> out.append(line).append('\n'));
      } catch (IOException e) {
        out.append("(unreadable: ").append(e).append(")\n");
      }
    }
    return out.toString();
  }

  /** Stops every process at once (SIGTERM, then SIGKILL after the grace period). */
  void stopAll() {
    List<ServiceProcess> running = List.copyOf(started);
    started.clear();
    CompletableFuture.allOf(
            running.stream()
                .map(p -> CompletableFuture.runAsync(() -> p.stop(STOP_GRACE)))
                .toArray(CompletableFuture[]::new))
        .join();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (stopAfterEach) {
      stopAll();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stopAll();
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    throw withLogs(throwable);
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    throw withLogs(throwable);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(
      ExtensionContext context, Throwable throwable) throws Throwable {
    throw withLogs(throwable);
  }

  private Throwable withLogs(Throwable failure) {
    if (failure instanceof TestAbortedException || started.isEmpty()) {
      return failure;
    }
    return new AssertionError(
        failure + "\n\nservice logs (full logs in " + logDir + "):" + logTails(), failure);
  }
}
