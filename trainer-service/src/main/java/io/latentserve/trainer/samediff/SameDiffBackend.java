package io.latentserve.trainer.samediff;

import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae;
import io.latentserve.trainer.core.TrainingBackend;

/** {@link TrainingBackend} on Deeplearning4j SameDiff, float32. */
public final class SameDiffBackend implements TrainingBackend {
  @Override
  public TrainableVae create(VaeWeights initial, Objective objective, double learningRate) {
    return SameDiffVae.create(initial, objective, learningRate);
  }
}
