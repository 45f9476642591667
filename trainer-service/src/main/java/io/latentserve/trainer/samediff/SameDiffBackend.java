package io.latentserve.trainer.samediff;

import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae;
import io.latentserve.trainer.core.TrainingBackend;

/** {@link TrainingBackend} on Deeplearning4j SameDiff, float32. */
public final class SameDiffBackend implements TrainingBackend {
  /**
   * A backend with ND4J's native threads as the process environment sets them: OpenMP reads {@code
   * OMP_NUM_THREADS} when the library loads, and setting it later has no effect. On two cores
   * shared with other work, {@code OMP_NUM_THREADS=1} trains several times faster than two threads,
   * which spin against each other.
   */
  public SameDiffBackend() {}

  @Override
  public TrainableVae create(VaeWeights initial, Objective objective, double learningRate) {
    if (objective instanceof Objective.Dvae dvae) {
      return SameDiffDvae.create(initial, dvae, learningRate);
    }
    return SameDiffVae.create(initial, objective, learningRate);
  }
}
