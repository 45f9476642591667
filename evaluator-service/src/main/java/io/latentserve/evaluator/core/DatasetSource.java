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

  /** A source that knows no dataset. */
  static DatasetSource none() {
    return (ref, binarize) -> {
      throw new DatasetException(
          DatasetException.Reason.NOT_FOUND, "no dataset catalogue is configured: " + ref.name());
    };
  }
}
