package io.latentserve.inference.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's one ONNX Runtime environment, created with global intra-op and inter-op thread
 * pools that every session shares.
 *
 * <p>Why: with per-session pools each graph of each loaded version kept its own intra-op threads
 * (and their stacks and scheduler state); a server with many models idles on hundreds of threads.
 * One pool sized to the cores serves every session, and concurrent calls still run side by side:
 * each call's own thread joins the pool's work.
 *
 * <p>ONNX Runtime allows threading options only when the environment is first created, so the first
 * caller's thread count wins for the process. Where something created the environment before (a
 * test or a library in the same JVM), sessions keep per-session threads.
 */
final class SharedEnvironment {
  private static final Logger log = LoggerFactory.getLogger(SharedEnvironment.class);

  private static OrtEnvironment env;
  private static boolean globalThreads;
  private static int threads;

  private SharedEnvironment() {}

  /**
   * The environment; creates it with global pools of {@code intraOpThreads} threads (and one
   * inter-op thread: graphs run sequentially) on the first call.
   */
  static synchronized OrtEnvironment get(int intraOpThreads) {
    if (env == null) {
      try (OrtEnvironment.ThreadingOptions options = new OrtEnvironment.ThreadingOptions()) {
        options.setGlobalIntraOpNumThreads(intraOpThreads);
        options.setGlobalInterOpNumThreads(1);
        // Idle pool threads sleep instead of spinning: many short calls share the cores with the
        // request threads and the transport (see OnnxGraphRunner).
        options.setGlobalSpinControl(false);
        env =
            OrtEnvironment.getEnvironment(
                OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "latentserve", options);
        globalThreads = true;
        threads = intraOpThreads;
      } catch (IllegalStateException | OrtException e) {
        log.info(
            "ONNX Runtime environment exists already; sessions use their own threads ({})",
            e.getMessage());
        env = OrtEnvironment.getEnvironment();
        globalThreads = false;
      }
    } else if (globalThreads && intraOpThreads != threads) {
      log.debug(
          "global ONNX Runtime pool has {} intra-op threads; {} asked for later",
          threads,
          intraOpThreads);
    }
    return env;
  }

  /** Whether the environment has global thread pools that sessions must use. */
  static synchronized boolean hasGlobalThreads() {
    return globalThreads;
  }
}
