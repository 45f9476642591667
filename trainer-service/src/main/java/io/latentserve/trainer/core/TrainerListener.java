package io.latentserve.trainer.core;

/** Observes a {@link JobManager}, e.g. to record metrics. Called on job threads: return quickly. */
public interface TrainerListener {
  /** {@code steps} more optimizer steps were taken for {@code modelName}. */
  default void onSteps(String modelName, long steps) {}

  /**
   * A LagVAE (or constrained InfoVAE) job of {@code modelName} reported its multipliers and
   * constraint values.
   */
  default void onLagrangian(String modelName, Lagrangian lagrangian) {}

  /** A job reached a terminal state. */
  default void onFinished(Job job) {}

  TrainerListener NONE = new TrainerListener() {};
}
