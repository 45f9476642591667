package io.latentserve.trainer.core;

import io.latentserve.datasets.Dataset;
import java.util.Arrays;

/**
 * The validation split of a job: {@link #FRACTION} of the data set's train split, chosen with a
 * fixed seed and held out of training. The final validation bound (and any choice made on it) is
 * computed there, never on the test split, which stays the evaluator's untouched measure.
 *
 * <p>The seed is the same for every job, so every job on a data set holds out the same examples and
 * their validation bounds compare; the examples keep their order in the train split.
 */
public final class ValidationSplit {
  /** The share of the train split held out for validation: 10%, at least one example. */
  public static final double FRACTION = 0.1;

  /** The seed of the choice; fixed, so that it never changes with a job's own seed. */
  public static final long SEED = 0x76616c6964L; // "valid"

  private ValidationSplit() {}

  /** Validation examples carved from a train split of {@code trainExamples} (>= 2). */
  public static int size(int trainExamples) {
    if (trainExamples < 2) {
      throw new IllegalArgumentException(
          "a train split needs at least 2 examples to hold some out for validation, got "
              + trainExamples);
    }
    return Math.max(1, (int) Math.round(trainExamples * FRACTION));
  }

  /** Examples left to train on: the train split less the validation examples. */
  public static int trainingExamples(int trainExamples) {
    return trainExamples - size(trainExamples);
  }

  /**
   * The indices into a train split of {@code n} examples that form its validation split, ascending:
   * the first {@link #size} of a permutation seeded by {@code seed}.
   */
  public static int[] indices(int n, long seed) {
    int[] chosen = Arrays.copyOf(TrainingLoop.permutation(n, seed), size(n));
    Arrays.sort(chosen);
    return chosen;
  }

  /** The train split as training examples and the validation split held out of them. */
  public static TrainingData carve(Dataset train) {
    return carve(train, SEED);
  }

  /** As {@link #carve(Dataset)} with another seed (tests). */
  static TrainingData carve(Dataset train, long seed) {
    int n = train.size();
    boolean[] held = new boolean[n];
    for (int i : indices(n, seed)) {
      held[i] = true;
    }
    int validation = size(n);
    return new TrainingData(
        select(train, held, false, n - validation), select(train, held, true, validation));
  }

  private static Dataset select(Dataset from, boolean[] held, boolean want, int count) {
    int d = from.dimension();
    float[] images = new float[count * d];
    int[] labels = new int[count];
    int out = 0;
    for (int i = 0; i < held.length; i++) {
      if (held[i] == want) {
        from.copyRows(i, i + 1, images, out * d);
        labels[out++] = from.label(i);
      }
    }
    return Dataset.of(from.name(), from.split(), images, labels, from.rows(), from.cols());
  }
}
