package io.latentserve.trainer.app;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the trainer service; configuration comes from {@code LATENTSERVE_*} variables. */
public final class TrainerMain {
  private static final Logger log = LoggerFactory.getLogger(TrainerMain.class);

  private TrainerMain() {}

  /** Runs the service until the JVM is asked to stop (SIGTERM, Ctrl-C). */
  public static void main(String[] args) throws IOException, InterruptedException {
    TrainerServer server = start(TrainerConfig.fromEnvironment(System.getenv()));
    server.awaitTermination();
  }

  /**
   * Starts a server with a JVM shutdown hook that shuts it down gracefully. Returns once the ports
   * are bound.
   *
   * <p>Before ND4J loads, this turns off JavaCPP's physical-memory probe on every native allocation
   * (unless {@code org.bytedeco.javacpp.maxPhysicalBytes} is set), which otherwise dominates the
   * time of small graphs, and filters SameDiff's per-op lines out of standard output.
   *
   * @throws IOException if a port cannot be bound
   */
  public static TrainerServer start(TrainerConfig config) throws IOException {
    if (System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null
        && System.getProperty("org.bytedeco.javacpp.maxphysicalbytes") == null) {
      System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
    }
    StdoutFilter.install();
    if (System.getenv("OMP_NUM_THREADS") == null) {
      log.warn(
          "OMP_NUM_THREADS is not set: ND4J runs {} OpenMP threads per op; with few cores shared"
              + " with other work, OMP_NUM_THREADS=1 trains faster",
          Runtime.getRuntime().availableProcessors());
    }
    TrainerServer server = TrainerServer.create(config).start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "trainer-shutdown"));
    return server;
  }
}
