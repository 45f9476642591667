package io.latentserve.trainer.core;

import io.latentserve.model.VaeWeights;

/** Creates trainable models: the seam between the training loop and an engine. */
public interface TrainingBackend {
  /**
   * A model starting from {@code initial} that trains {@code objective} with Adam.
   *
   * @param learningRate Adam step size, > 0
   */
  TrainableVae create(VaeWeights initial, Objective objective, double learningRate);
}
