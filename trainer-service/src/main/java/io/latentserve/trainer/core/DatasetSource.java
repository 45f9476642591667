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
  /**
   * @param dimension flattened size D of one example
   * @param exampleShape the shape of one example, e.g. [1, 28, 28] (channels, height, width), of
   *     product D; [D] for plain vectors
   */
  record Shape(
      int dimension, int trainExamples, int classes, java.util.List<Integer> exampleShape) {
    public Shape {
      exampleShape =
          exampleShape == null ? java.util.List.of(dimension) : java.util.List.copyOf(exampleShape);
    }

    /** A data set of plain vectors, shape [dimension]. */
    public Shape(int dimension, int trainExamples, int classes) {
      this(dimension, trainExamples, classes, null);
    }
  }
}
