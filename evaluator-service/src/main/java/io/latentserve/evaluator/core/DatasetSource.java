package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;

/** Where catalogued evaluation data comes from. */
public interface DatasetSource {
  /**
   * Loads a split.
   *
   * @param binarize when true, each intensity p becomes 1 with probability p (dynamic binarization
   *     with the ref's seed, the same on every call), as the Bernoulli likelihood requires
   * @return the examples, [N, D] float32 with N >= 1
   * @throws DatasetException when the dataset is unknown, not downloaded or unreadable
   */
  FloatTensor load(DatasetRef ref, boolean binarize);

  /**
   * Loads a split with each example's class label, for a conditional model.
   *
   * @param binarize as {@link #load}
   * @return the examples as {@link #load} returns them, and their labels
   * @throws DatasetException when the dataset is unknown, not downloaded or unreadable, or this
   *     source has no labels
   */
  default LabelledExamples loadLabelled(DatasetRef ref, boolean binarize) {
    throw new DatasetException(
        DatasetException.Reason.NOT_AVAILABLE,
        "dataset " + ref + " has no labels here, which a conditional model needs");
  }

  /** A source that knows no dataset. */
  static DatasetSource none() {
    return (ref, binarize) -> {
      throw new DatasetException(
          DatasetException.Reason.NOT_FOUND, "no dataset catalogue is configured: " + ref.name());
    };
  }
}
