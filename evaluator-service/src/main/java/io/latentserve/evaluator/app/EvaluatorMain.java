package io.latentserve.evaluator.app;

import java.io.IOException;

/** Starts the evaluator service; configuration comes from {@code LATENTSERVE_*} variables. */
public final class EvaluatorMain {
  private EvaluatorMain() {}

  /** Runs the service until the JVM is asked to stop (SIGTERM, Ctrl-C). */
  public static void main(String[] args) throws IOException, InterruptedException {
    EvaluatorServer server = start(EvaluatorConfig.fromEnvironment(System.getenv()));
    server.awaitTermination();
  }

  /**
   * Starts a server with a JVM shutdown hook that shuts it down gracefully. Returns once the ports
   * are bound.
   *
   * @throws IOException if a port cannot be bound
   */
  public static EvaluatorServer start(EvaluatorConfig config) throws IOException {
    EvaluatorServer server = EvaluatorServer.create(config).start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "evaluator-shutdown"));
    return server;
  }
}
