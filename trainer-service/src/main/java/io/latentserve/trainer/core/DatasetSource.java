package io.latentserve.trainer.core;

import java.io.IOException;

/** Where training data comes from: the data set catalogue in production. */
public interface DatasetSource {
  /**
   * The size of the examples a job trains on, checked before a job is queued.
   *
   * @throws InvalidSpecException if the name is unknown (field {@code spec.dataset})
   * @throws DatasetUnavailableException if its files are missing
   */
  Shape describe(String dataset);

  /**
   * The examples to train on and the validation examples, both from the data set's train split (the
   * catalogue's source holds out a {@link ValidationSplit}); never the test split.
   */
  TrainingData load(String dataset) throws IOException;

  /**
   * @param dimension features per example
   * @param trainExamples examples trained on (the train split less its validation examples)
   * @param classes distinct labels 0..classes-1, the condition size of a conditional model
   */
  record Shape(int dimension, int trainExamples, int classes) {}
}
