package io.latentserve.evaluator.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Where a running evaluation stands.
 *
 * @param phase current phase, one of the {@code PHASE_*} names of {@link Evaluator}
 * @param examplesDone examples finished in this phase
 * @param examplesTotal examples of this phase
 * @param elapsed time since the evaluation started
 * @param eta estimated time left in this phase; zero when unknown or done
 */
public record Progress(
    String phase, long examplesDone, long examplesTotal, Duration elapsed, Duration eta) {
  public Progress {
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(eta, "eta");
    if (examplesDone < 0 || examplesDone > examplesTotal) {
      throw new IllegalArgumentException(
          "examplesDone must be in [0, " + examplesTotal + "], got " + examplesDone);
    }
  }
}
