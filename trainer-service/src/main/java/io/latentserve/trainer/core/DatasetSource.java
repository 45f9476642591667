package io.latentserve.trainer.core;

import java.io.IOException;

/** Where training data comes from: the data set catalogue in production. */
public interface DatasetSource {
  /**
   * The size of a data set's training split, checked before a job is queued.
   *
   * @throws InvalidSpecException if the name is unknown (field {@code spec.dataset})
   * @throws DatasetUnavailableException if its files are missing
   */
  Shape describe(String dataset);

  /** The train split and, for validation, the test split. */
  TrainingData load(String dataset) throws IOException;

  /**
   * @param dimension features per example
   * @param trainExamples examples in the training split
   * @param classes distinct labels 0..classes-1, the condition size of a conditional model
   */
  record Shape(int dimension, int trainExamples, int classes) {}
}
