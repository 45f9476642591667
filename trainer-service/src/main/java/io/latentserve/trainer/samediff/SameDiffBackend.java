package io.latentserve.trainer.samediff;

import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae;
import io.latentserve.trainer.core.TrainingBackend;
import org.nd4j.linalg.factory.Nd4j;

/** {@link TrainingBackend} on Deeplearning4j SameDiff, float32. */
public final class SameDiffBackend implements TrainingBackend {
  /** A backend with ND4J's thread settings as the environment left them (OMP_NUM_THREADS). */
  public SameDiffBackend() {}

  /**
   * A backend that first limits ND4J's native threads (OpenMP and BLAS), process-wide.
   *
   * @param threads threads per native op, >= 1; 0 leaves the settings as they are
   */
  public SameDiffBackend(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }
    if (threads > 0) {
      Nd4j.getEnvironment().setMaxThreads(threads);
      Nd4j.getEnvironment().setMaxMasterThreads(threads);
      Nd4j.factory().blas().setMaxThreads(threads);
    }
  }

  @Override
  public TrainableVae create(VaeWeights initial, Objective objective, double learningRate) {
    return SameDiffVae.create(initial, objective, learningRate);
  }
}
