package io.latentserve.evaluator.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RandomSubsetTest {
  @Test
  void choose_sameSeed_sameDistinctAscendingIndices() {
    int[] a = RandomSubset.choose(1000, 100, 42);

    assertThat(a).hasSize(100).isSorted().doesNotHaveDuplicates();
    assertThat(a[0]).isGreaterThanOrEqualTo(0);
    assertThat(a[99]).isLessThan(1000);
    assertThat(RandomSubset.choose(1000, 100, 42)).isEqualTo(a);
    assertThat(RandomSubset.choose(1000, 100, 43)).isNotEqualTo(a);
  }

  @Test
  void choose_manySeeds_everyIndexAboutEquallyOften() {
    int n = 50;
    int m = 10;
    int trials = 20_000;
    int[] counts = new int[n];
    for (int t = 0; t < trials; t++) {
      for (int i : RandomSubset.choose(n, m, t)) {
        counts[i]++;
      }
    }
    // Each index is chosen with probability m / n = 0.2: 4000 times, standard deviation 57.
    double expected = trials * (double) m / n;
    assertThat(Arrays.stream(counts).min().orElseThrow()).isGreaterThan((int) (expected - 300));
    assertThat(Arrays.stream(counts).max().orElseThrow()).isLessThan((int) (expected + 300));
    assertThat(Arrays.stream(counts).average().orElseThrow()).isCloseTo(expected, within(1e-9));
  }

  @Test
  void choose_all_isEveryIndex() {
    assertThat(RandomSubset.choose(5, 5, 1)).containsExactly(0, 1, 2, 3, 4);
  }
}
