package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.Objects;

/**
 * Examples of a catalogued dataset with their class labels, the condition of a conditional model.
 *
 * @param examples [N, D] float32
 * @param labels [N] class labels in [0, classes)
 * @param classes number of classes C of the dataset: a conditional model evaluated on it must have
 *     condition size C
 */
public record LabelledExamples(FloatTensor examples, int[] labels, int classes) {
  public LabelledExamples {
    Objects.requireNonNull(examples, "examples");
    labels = labels.clone();
    if (examples.rank() != 2 || examples.dim(0) != labels.length) {
      throw new IllegalArgumentException(
          labels.length
              + " labels for examples of shape "
              + java.util.Arrays.toString(examples.shape()));
    }
    if (classes < 1) {
      throw new IllegalArgumentException("classes must be >= 1, got " + classes);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label of example " + i + " is " + labels[i] + ", expected [0, " + classes + ")");
      }
    }
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  /** The labels as one-hot rows, [N, classes] float32. */
  public FloatTensor oneHot() {
    float[] y = new float[labels.length * classes];
    for (int i = 0; i < labels.length; i++) {
      y[i * classes + labels[i]] = 1;
    }
    return FloatTensor.of(y, labels.length, classes);
  }
}
