package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;

/**
 * A linear classifier of the label from a latent layer's posterior means: the port behind {@link
 * Metric#LINEAR_PROBES}, implemented with a maintained library outside the core.
 */
public interface LinearProbe {
  /**
   * Trains multinomial logistic regression on {@code trainFeatures} and scores it.
   *
   * @param trainFeatures [N_train, d] float32
   * @param trainLabels [N_train] in [0, classes)
   * @param testFeatures [N_test, d] float32
   * @param testLabels [N_test] in [0, classes)
   * @param classes K >= 2
   * @return the accuracy on the test rows, in [0, 1]
   */
  double accuracy(
      FloatTensor trainFeatures,
      int[] trainLabels,
      FloatTensor testFeatures,
      int[] testLabels,
      int classes);

  /** A probe that refuses: for an evaluator built without one. */
  static LinearProbe unavailable() {
    return (trainFeatures, trainLabels, testFeatures, testLabels, classes) -> {
      throw new InvalidEvaluationException(
          "metrics has METRIC_LINEAR_PROBES, but this evaluator has no probe trainer");
    };
  }
}
