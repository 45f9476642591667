package io.latentserve.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImportanceChunkingTest {
  @ParameterizedTest
  @CsvSource({
    // rows, k, requested, budget, expected
    "100, 5000, 0, 65536, 655",
    "1, 5000, 0, 65536, 5000",
    "13, 5000, 0, 65536, 5000",
    "14, 5000, 0, 65536, 4681",
    "100, 5000, 100, 65536, 100",
    "100, 50, 1000, 65536, 50",
    "100000, 5000, 0, 65536, 1",
  })
  void chunkSize_rowsAndBudget_staysWithinBudgetAndK(
      int rows, int k, int requested, int budget, int expected) {
    int size = ImportanceChunking.chunkSize(rows, k, requested, budget);
    assertThat(size).isEqualTo(expected);
    assertThat(size).isBetween(1, k);
    assertThat((long) size * rows <= budget || size == 1).isTrue();
  }

  @Test
  void ranges_kNotMultipleOfChunk_coversKExactlyWithShortLastChunk() {
    List<SampleRange> ranges = ImportanceChunking.ranges(5000, 655);
    assertThat(ranges).hasSize(8);
    assertThat(ranges.get(0)).isEqualTo(new SampleRange(0, 655));
    assertThat(ranges.get(7)).isEqualTo(new SampleRange(4585, 415));
    for (int i = 1; i < ranges.size(); i++) {
      assertThat(ranges.get(i).offset()).isEqualTo(ranges.get(i - 1).end());
    }
  }

  @Test
  void chunkSize_zeroRows_throws() {
    assertThatThrownBy(() -> ImportanceChunking.chunkSize(0, 10, 0, 100))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
