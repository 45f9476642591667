package io.latentserve.trainer.core;

import java.time.Duration;

/**
 * A snapshot of a running job's progress.
 *
 * @param phase what the run is doing
 * @param epoch the current epoch, 1-based (the epoch count once training is done)
 * @param step optimizer steps taken so far
 * @param totalSteps optimizer steps of the whole run
 * @param loss mean loss of the current (or, at an epoch's end, the finished) epoch, nats per
 *     example; NaN before the first step
 * @param trainBound mean bound of the objective over the same steps, nats per example; NaN before
 *     the first step
 * @param validationBound the importance-weighted bound on the validation split, nats per example;
 *     NaN until computed
 * @param stepsPerSecond optimizer steps per second of this process's run so far
 * @param eta estimated time to the end of training; null when unknown
 * @param lagrangian for a Lagrangian objective (LagVAE, InfoVAE by its constraints): the latest
 *     multipliers and the mean constraint values over the same steps as {@code loss}; else null
 */
public record TrainingProgress(
    Phase phase,
    int epoch,
    long step,
    long totalSteps,
    double loss,
    double trainBound,
    double validationBound,
    double stepsPerSecond,
    Duration eta,
    Lagrangian lagrangian) {

  /** What a run is doing. */
  public enum Phase {
    TRAINING,
    /** Computing the final training and validation bounds. */
    EVALUATING,
    /** Writing the bundle. */
    PUBLISHING
  }
}
