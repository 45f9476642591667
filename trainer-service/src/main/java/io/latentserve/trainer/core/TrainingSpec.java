package io.latentserve.trainer.core;

import io.latentserve.bundle.ModelNames;
import io.latentserve.model.VaeArchitecture;

/**
 * What to train: a validated job specification.
 *
 * @param modelName name under which the trained model is published ({@link ModelNames})
 * @param dataset catalogue data set, e.g. "mnist-10k"; trained on its train split less the {@link
 *     ValidationSplit} held out of it for validation; the test split is never used
 * @param learningRate Adam step size, in (0, 1]
 * @param batchSize examples per step, in [1, {@link #MAX_BATCH_SIZE}]
 * @param epochs passes over the training split, in [1, {@link #MAX_EPOCHS}]
 * @param seed seeds the initial weights, the order of examples, the binarization and every noise
 *     draw: the same spec trains the same model
 * @param validationK importance samples of the final validation bound, in [1, {@link
 *     Objective#MAX_SAMPLES}]
 */
public record TrainingSpec(
    String modelName,
    String dataset,
    VaeArchitecture architecture,
    Objective objective,
    double learningRate,
    int batchSize,
    int epochs,
    long seed,
    int validationK) {

  public static final int MAX_BATCH_SIZE = 10_000;
  public static final int MAX_EPOCHS = 100_000;

  public TrainingSpec {
    try {
      ModelNames.validate(modelName);
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException("spec.model_name", e.getMessage());
    }
    if (dataset == null || dataset.isBlank()) {
      throw new InvalidSpecException("spec.dataset", "spec.dataset is required, got empty");
    }
    if (architecture == null) {
      throw new InvalidSpecException("spec.architecture", "spec.architecture is required");
    }
    if (objective == null) {
      throw new InvalidSpecException("spec.objective", "spec.objective is required, got none");
    }
    try {
      objective.check(architecture);
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException("spec.objective", e.getMessage());
    }
    if (!(learningRate > 0 && learningRate <= 1)) {
      throw new InvalidSpecException(
          "spec.optimizer.learning_rate",
          "spec.optimizer.learning_rate must be in (0, 1], got " + learningRate);
    }
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new InvalidSpecException(
          "spec.optimizer.batch_size",
          "spec.optimizer.batch_size must be in [1, " + MAX_BATCH_SIZE + "], got " + batchSize);
    }
    if (epochs < 1 || epochs > MAX_EPOCHS) {
      throw new InvalidSpecException(
          "spec.epochs", "spec.epochs must be in [1, " + MAX_EPOCHS + "], got " + epochs);
    }
    if (validationK < 1 || validationK > Objective.MAX_SAMPLES) {
      throw new InvalidSpecException(
          "spec.validation_k",
          "spec.validation_k must be in [1, " + Objective.MAX_SAMPLES + "], got " + validationK);
    }
  }

  /** Importance-sample rows of one step: batch size times the objective's K. */
  public long rowsPerStep() {
    return (long) batchSize * objective.samples();
  }
}
