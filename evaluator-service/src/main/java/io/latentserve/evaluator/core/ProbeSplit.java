package io.latentserve.evaluator.core;

import io.latentserve.model.FloatTensor;
import java.util.SplittableRandom;

/**
 * HIT's probe protocol: a permutation of the examples with the fixed seed {@value #SEED}, the first
 * 80% to train the probe on and the other 20% to score it on, the same for every layer and every
 * model evaluated on the same data.
 *
 * @param train indices of the training rows
 * @param test indices of the held-out rows
 */
public record ProbeSplit(int[] train, int[] test) {
  public static final long SEED = 42;

  public ProbeSplit {
    train = train.clone();
    test = test.clone();
  }

  /**
   * The split of {@code n} examples.
   *
   * @param n >= 5, so that both parts hold at least one example
   */
  public static ProbeSplit of(int n) {
    if (n < 5) {
      throw new InvalidEvaluationException(
          "linear probes need at least 5 examples (an 80/20 split), got " + n);
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(SEED);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int trainSize = (int) Math.round(0.8 * n);
    return new ProbeSplit(
        java.util.Arrays.copyOfRange(order, 0, trainSize),
        java.util.Arrays.copyOfRange(order, trainSize, n));
  }

  @Override
  public int[] train() {
    return train.clone();
  }

  @Override
  public int[] test() {
    return test.clone();
  }

  /** Rows {@code rows} of {@code x} [N, d]. */
  public static FloatTensor rows(FloatTensor x, int[] rows) {
    int d = x.rowSize();
    float[] out = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(x.data(), rows[i] * d, out, i * d, d);
    }
    return FloatTensor.of(out, rows.length, d);
  }

  /** Entries {@code rows} of {@code labels}. */
  public static int[] labels(int[] labels, int[] rows) {
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = labels[rows[i]];
    }
    return out;
  }
}
