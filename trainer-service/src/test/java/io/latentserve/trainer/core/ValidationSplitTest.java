package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.datasets.Dataset;
import io.latentserve.datasets.Split;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ValidationSplitTest {
  /** n 1x1 "images", example i holding the value i / n and the label i, so rows name themselves. */
  private static Dataset numbered(int n) {
    float[] images = new float[n];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      images[i] = (float) i / n;
      labels[i] = i;
    }
    return Dataset.of("numbered", Split.TRAIN, images, labels, 1, 1);
  }

  @Test
  void size_isTenPercentAndAtLeastOne() {
    assertThat(ValidationSplit.size(8000)).isEqualTo(800);
    assertThat(ValidationSplit.trainingExamples(8000)).isEqualTo(7200);
    assertThat(ValidationSplit.size(60_000)).isEqualTo(6000);
    assertThat(ValidationSplit.size(2)).isEqualTo(1);
    assertThatThrownBy(() -> ValidationSplit.size(1))
        .hasMessage(
            "a train split needs at least 2 examples to hold some out for validation, got 1");
  }

  @Test
  void carve_splitsTheTrainSplitIntoDisjointPartsThatCoverIt() {
    Dataset train = numbered(1000);

    TrainingData data = ValidationSplit.carve(train);

    int[] validation = data.validation().labels();
    int[] training = data.train().labels();
    assertThat(validation).hasSize(100).isSorted();
    assertThat(training).hasSize(900).isSorted();
    Set<Integer> all = new HashSet<>();
    Arrays.stream(validation).forEach(all::add);
    Arrays.stream(training).forEach(all::add);
    assertThat(all).as("disjoint and covering").hasSize(1000);
    assertThat(validation).isEqualTo(ValidationSplit.indices(1000, ValidationSplit.SEED));
    for (int r = 0; r < validation.length; r++) {
      assertThat(data.validation().row(r)).isEqualTo(train.row(validation[r]));
    }
    assertThat(validation)
        .as("spread over the split, not its head or tail")
        .isNotEqualTo(IntStream.range(0, 100).toArray())
        .isNotEqualTo(IntStream.range(900, 1000).toArray());
  }

  @Test
  void carve_sameSeed_sameExamples_otherSeed_otherExamples() {
    Dataset train = numbered(500);

    assertThat(ValidationSplit.carve(train).validation())
        .isEqualTo(ValidationSplit.carve(numbered(500)).validation());
    assertThat(ValidationSplit.carve(train, 1).validation().labels())
        .isNotEqualTo(ValidationSplit.carve(train, 2).validation().labels());
  }
}
