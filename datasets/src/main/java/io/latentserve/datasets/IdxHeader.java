package io.latentserve.datasets;

import java.util.List;

/**
 * The header of an IDX file: magic {@code 0x00 0x00 <type> <rank>} followed by {@code rank}
 * big-endian unsigned 32-bit dimensions.
 *
 * @param type element type
 * @param dims dimensions, outermost first (e.g. [N, rows, cols] for images)
 */
public record IdxHeader(IdxType type, List<Integer> dims) {
  public IdxHeader {
    if (type == null) {
      throw new IllegalArgumentException("IDX type is required");
    }
    dims = List.copyOf(dims);
    if (dims.isEmpty() || dims.size() > 255) {
      throw new IllegalArgumentException("IDX rank must be in [1, 255], got " + dims.size());
    }
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("IDX dimensions must be >= 0, got " + dims);
      }
    }
  }

  public int rank() {
    return dims.size();
  }

  /** The four magic bytes as one big-endian int, e.g. {@code 0x00000803} for ubyte images. */
  public int magic() {
    return (type.code() << 8) | dims.size();
  }

  /** Number of elements: the product of the dimensions. */
  public long elementCount() {
    long n = 1;
    for (int d : dims) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public String toString() {
    return String.format("%s %s (magic 0x%08X)", type, dims, magic());
  }
}
