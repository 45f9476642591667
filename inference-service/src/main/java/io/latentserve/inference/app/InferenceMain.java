package io.latentserve.inference.app;

import java.io.IOException;

/** Starts the inference service; configuration comes from {@code LATENTSERVE_*} variables. */
public final class InferenceMain {
  private InferenceMain() {}

  /** Runs the service until the JVM is asked to stop (SIGTERM, Ctrl-C). */
  public static void main(String[] args) throws IOException, InterruptedException {
    InferenceServer server = start(InferenceConfig.fromEnvironment(System.getenv()));
    server.awaitTermination();
  }

  /**
   * Starts a server with a JVM shutdown hook that shuts it down gracefully. Returns once the ports
   * are bound; the models load in the background (health turns SERVING when they have).
   *
   * @throws IOException if a port cannot be bound
   */
  public static InferenceServer start(InferenceConfig config) throws IOException {
    InferenceServer server = InferenceServer.create(config).start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "inference-shutdown"));
    return server;
  }
}
