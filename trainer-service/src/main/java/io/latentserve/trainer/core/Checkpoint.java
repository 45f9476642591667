package io.latentserve.trainer.core;

import java.util.Objects;

/**
 * The state of a training run at a step boundary, from which it resumes exactly: the next step is
 * step {@code stepInEpoch} of epoch {@code epoch} (both 0-based).
 *
 * @param lossSum sum of the step losses of this epoch so far (for the epoch's running mean)
 * @param boundSum sum of the step bounds of this epoch so far
 */
public record Checkpoint(
    int epoch, int stepInEpoch, double lossSum, double boundSum, OptimizerSnapshot model) {
  public Checkpoint {
    if (epoch < 0 || stepInEpoch < 0) {
      throw new IllegalArgumentException(
          "epoch and step must be >= 0, got " + epoch + " and " + stepInEpoch);
    }
    Objects.requireNonNull(model, "model");
  }
}
