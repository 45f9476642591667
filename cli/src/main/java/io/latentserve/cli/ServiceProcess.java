package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.latentserve.server.security.ChannelSecurity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A latentserve service running as a separate local process ({@code latentserve serve <service>
 * ...}), with its output in a log file. Used by the quickstart, the benchmarks and the integration
 * tests.
 */
public final class ServiceProcess implements AutoCloseable {
  /** The JVM option every service process runs with: an OutOfMemoryError ends the process. */
  static final String EXIT_ON_OUT_OF_MEMORY = "-XX:+ExitOnOutOfMemoryError";

  private final String name;
  private final Process process;
  private final String host;
  private final int port;
  private final Path log;

  private ServiceProcess(String name, Process process, String host, int port, Path log) {
    this.name = name;
    this.process = process;
    this.host = host;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts {@code latentserve serve <service> --port <port> <args...>} with this JVM's classpath,
   * listening on every interface.
   *
   * @param log file that receives the process's stdout and stderr
   */
  public static ServiceProcess start(String service, int port, List<String> args, Path log) {
    return start(service, List.of(), "", port, args, log);
  }

  /**
   * Starts {@code java <jvmOptions> ... serve <service> [--host <host>] --port <port> <args...>}
   * with this JVM's classpath.
   *
   * @param jvmOptions options of the service's JVM, e.g. {@code -Djdk.net.hosts.file=hosts}
   * @param host the one address the service binds, and where {@link #target()} reaches it; empty
   *     for every interface, reached at 127.0.0.1
   * @param log file that receives the process's stdout and stderr
   */
  public static ServiceProcess start(
      String service, List<String> jvmOptions, String host, int port, List<String> args, Path log) {
    return start(service, jvmOptions, host, port, args, log, java.util.Map.of());
  }

  /**
   * As {@link #start(String, List, String, int, List, Path)}, with {@code environment} set in the
   * process's environment over this one's and the defaults of bin/latentserve; an empty value
   * removes the variable.
   */
  public static ServiceProcess start(
      String service,
      List<String> jvmOptions,
      String host,
      int port,
      List<String> args,
      Path log,
      java.util.Map<String, String> environment) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // A service out of memory ends (and is reported by its exit) instead of limping on.
    command.add(EXIT_ON_OUT_OF_MEMORY);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LatentserveCli.class.getName());
    command.add("serve");
    command.add(service);
    if (!host.isEmpty()) {
      command.add("--host");
      command.add(host);
    }
    command.add("--port");
    command.add(Integer.toString(port));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putIfAbsent("OMP_NUM_THREADS", "1");
    // As bin/latentserve: few malloc arenas, large blocks mmapped (bench/RESULTS.md, "Many
    // models").
    builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    builder.environment().putIfAbsent("MALLOC_MMAP_THRESHOLD_", "262144");
    environment.forEach(
        (name, value) -> {
          if (value.isEmpty()) {
            builder.environment().remove(name);
          } else {
            builder.environment().put(name, value);
          }
        });
    try {
      return new ServiceProcess(service, builder.start(), host, port, log);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + service + " process", e);
    }
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** Where the service's gRPC server is reached: {@code host:port}, {@code [ipv6]:port}. */
  public String target() {
    if (host.isEmpty()) {
      return "127.0.0.1:" + port;
    }
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /**
   * Polls grpc.health.v1 until the server reports SERVING (for the whole server, service name ""),
   * the process dies, or {@code timeout} passes.
   *
   * @param onWait called with the elapsed time while waiting, for progress output
   */
  public void awaitServing(Duration timeout, Consumer<Duration> onWait) {
    awaitServing(timeout, onWait, ChannelSecurity.NONE);
  }

  /**
   * As {@link #awaitServing(Duration, Consumer)}, over a channel with {@code security}'s TLS (a
   * service started with {@code --tls-cert}); health needs no token.
   */
  public void awaitServing(Duration timeout, Consumer<Duration> onWait, ChannelSecurity security) {
    Instant start = Instant.now();
    Instant deadline = start.plus(timeout);
    ManagedChannel channel = ServiceChannels.open(name, target(), security);
    try {
      var health = HealthGrpc.newBlockingStub(channel);
      while (true) {
        if (!process.isAlive()) {
          throw new CliException(
              name
                  + " exited with code "
                  + process.exitValue()
                  + " before it was serving; see "
                  + log);
        }
        try {
          HealthCheckResponse response =
              health
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance());
          if (response.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
        } catch (StatusRuntimeException notYet) {
          // not listening yet, or not ready: poll again
        }
        if (Instant.now().isAfter(deadline)) {
          throw new CliException(name + " was not serving within " + timeout + "; see " + log);
        }
        onWait.accept(Duration.between(start, Instant.now()));
        try {
          // a poll interval, not a wait for readiness: readiness is the health check above
          process.waitFor(200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CliException("interrupted while waiting for " + name);
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * Asks the process to stop (SIGTERM: graceful shutdown) and waits; kills it after {@code grace}.
   */
  public int stop(Duration grace) {
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Kills the process at once (SIGKILL), as a crash would. */
  public void kill() {
    process.destroyForcibly();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop(Duration.ofSeconds(15));
    }
  }
}
