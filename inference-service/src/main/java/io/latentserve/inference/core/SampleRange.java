package io.latentserve.inference.core;

/**
 * The importance samples {@code [offset, offset + count)} of every row: one ImportanceWeights
 * chunk.
 */
public record SampleRange(int offset, int count) {
  public SampleRange {
    if (offset < 0 || count < 1) {
      throw new IllegalArgumentException(
          "sample range needs offset >= 0 and count >= 1, got " + offset + "+" + count);
    }
  }

  /** One past the last sample index. */
  public int end() {
    return offset + count;
  }
}
