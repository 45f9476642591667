package io.latentserve.trainer.core;

import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.function.Supplier;

/**
 * A real {@link TrainingBackend} whose models throw at a chosen optimizer step: how a test makes a
 * training step fail the way a real one can (an {@link OutOfMemoryError} in the engine) without
 * exhausting the test JVM's memory.
 */
final class FaultInjectingBackend implements TrainingBackend {
  private final TrainingBackend delegate;
  private final int failingStep;
  private final Supplier<? extends Throwable> fault;

  /**
   * @param failingStep the 0-based step, counted per model, that throws
   * @param fault what it throws: an {@link Error} or a {@link RuntimeException}
   */
  FaultInjectingBackend(
      TrainingBackend delegate, int failingStep, Supplier<? extends Throwable> fault) {
    this.delegate = delegate;
    this.failingStep = failingStep;
    this.fault = fault;
  }

  @Override
  public TrainableVae create(VaeWeights initial, Objective objective, double learningRate) {
    TrainableVae model = delegate.create(initial, objective, learningRate);
    return new TrainableVae() {
      private int steps;

      @Override
      public VaeArchitecture architecture() {
        return model.architecture();
      }

      @Override
      public Objective objective() {
        return model.objective();
      }

      @Override
      public StepResult step(Batch batch) {
        if (steps++ == failingStep) {
          Throwable t = fault.get();
          if (t instanceof Error e) {
            throw e;
          }
          throw (RuntimeException) t;
        }
        return model.step(batch);
      }

      @Override
      public float[] logWeights(float[] x, float[] y, int rows, float[][] eps, int k) {
        return model.logWeights(x, y, rows, eps, k);
      }

      @Override
      public VaeWeights weights() {
        return model.weights();
      }

      @Override
      public OptimizerSnapshot snapshot() {
        return model.snapshot();
      }

      @Override
      public void restore(OptimizerSnapshot snapshot) {
        model.restore(snapshot);
      }

      @Override
      public void close() {
        model.close();
      }
    };
  }
}
