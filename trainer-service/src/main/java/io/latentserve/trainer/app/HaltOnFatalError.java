package io.latentserve.trainer.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the trainer does with an error that escapes a job thread (an {@link OutOfMemoryError} in the
 * engine): it ends the process at once, so that its supervisor (Kubernetes, or whoever started it)
 * restarts it in a known state, where the job resumes from its last checkpoint.
 *
 * <p>{@link Runtime#halt} rather than {@link System#exit}: exit runs the shutdown hook, which waits
 * for the job threads, one of which is the caller. The JVM option {@code
 * -XX:+ExitOnOutOfMemoryError}, which {@code bin/latentserve} and the container images set, ends
 * the process even earlier, where the memory ran out; this handler covers the errors it does not (a
 * {@link StackOverflowError}, a {@link LinkageError}) and JVMs started without it.
 */
final class HaltOnFatalError implements Thread.UncaughtExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(HaltOnFatalError.class);

  /** The status of an exit after a fatal error, that of {@code -XX:+ExitOnOutOfMemoryError}. */
  static final int EXIT_STATUS = 3;

  @Override
  public void uncaughtException(Thread thread, Throwable error) {
    try {
      log.error(
          "fatal error on {}: the trainer exits so that it is restarted; running jobs resume from"
              + " their last checkpoint",
          thread.getName(),
          error);
      System.err.println("trainer-service: fatal error on " + thread.getName() + ": " + error);
    } finally {
      Runtime.getRuntime().halt(EXIT_STATUS);
    }
  }
}
