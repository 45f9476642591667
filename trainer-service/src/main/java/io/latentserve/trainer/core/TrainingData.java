package io.latentserve.trainer.core;

import io.latentserve.datasets.Dataset;
import java.util.Objects;

/**
 * The data of one run: the training split, and the validation split for the final bound.
 * Intensities in [0, 1]; binarized per epoch for a Bernoulli likelihood.
 */
public record TrainingData(Dataset train, Dataset validation) {
  public TrainingData {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(validation, "validation");
    if (train.dimension() != validation.dimension()) {
      throw new IllegalArgumentException(
          "train has "
              + train.dimension()
              + " features per example, validation "
              + validation.dimension());
    }
    if (train.size() == 0 || validation.size() == 0) {
      throw new IllegalArgumentException(
          "train and validation need examples, have " + train.size() + " and " + validation.size());
    }
  }
}
