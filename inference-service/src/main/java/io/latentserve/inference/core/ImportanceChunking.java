package io.latentserve.inference.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the k importance samples of an ImportanceWeights request into chunks so that one chunk's
 * decoder work (N rows times the chunk's samples) stays within a row budget. The budget also keeps
 * each streamed message small: a chunk holds at most four [N, count] float32 tensors.
 */
public final class ImportanceChunking {
  private ImportanceChunking() {}

  /**
   * Samples per chunk: the requested size (or k when 0), lowered to {@code max(1, rowBudget /
   * rows)} and to k.
   *
   * @param rows N >= 1
   * @param k samples per row >= 1
   * @param requestedChunkSize >= 0, 0 for "choose"
   * @param rowBudget most rows times samples per chunk, >= 1
   */
  public static int chunkSize(int rows, int k, int requestedChunkSize, int rowBudget) {
    if (rows < 1 || k < 1 || requestedChunkSize < 0 || rowBudget < 1) {
      throw new IllegalArgumentException(
          "need rows >= 1, k >= 1, requestedChunkSize >= 0, rowBudget >= 1, got "
              + rows
              + ", "
              + k
              + ", "
              + requestedChunkSize
              + ", "
              + rowBudget);
    }
    int size = requestedChunkSize == 0 ? k : Math.min(requestedChunkSize, k);
    return Math.max(1, Math.min(size, rowBudget / rows));
  }

  /** Consecutive ranges of {@code chunkSize} samples covering [0, k); the last may be shorter. */
  public static List<SampleRange> ranges(int k, int chunkSize) {
    if (k < 1 || chunkSize < 1) {
      throw new IllegalArgumentException(
          "need k >= 1 and chunkSize >= 1, got " + k + ", " + chunkSize);
    }
    List<SampleRange> ranges = new ArrayList<>((k + chunkSize - 1) / chunkSize);
    for (int offset = 0; offset < k; offset += chunkSize) {
      ranges.add(new SampleRange(offset, Math.min(chunkSize, k - offset)));
    }
    return List.copyOf(ranges);
  }
}
