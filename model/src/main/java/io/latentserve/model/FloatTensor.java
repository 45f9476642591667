package io.latentserve.model;

import java.util.Arrays;

/**
 * An immutable dense float32 tensor in row-major order.
 *
 * <p>The constructor copies nothing: use {@link #of(float[], long...)} to wrap an array you will
 * not touch again, and {@link #copyData()} to get a private copy back. {@link #data()} exposes the
 * backing array for zero-copy hand-off to native code and must be treated as read-only.
 */
public final class FloatTensor {
  private final long[] shape;
  private final float[] data;

  private FloatTensor(long[] shape, float[] data) {
    this.shape = shape;
    this.data = data;
  }

  /**
   * Wraps {@code data} (not copied) with the given shape; the product of the shape must equal its
   * length.
   */
  public static FloatTensor of(float[] data, long... shape) {
    long elements = elementCount(shape);
    if (elements != data.length) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " needs "
              + elements
              + " elements, got "
              + data.length);
    }
    return new FloatTensor(shape.clone(), data);
  }

  /** A tensor of zeros. */
  public static FloatTensor zeros(long... shape) {
    return of(new float[Math.toIntExact(elementCount(shape))], shape);
  }

  /** Number of elements a shape holds; every dimension must be non-negative. */
  public static long elementCount(long... shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int axis) {
    return shape[axis];
  }

  /** The backing array, not copied: read-only by contract. */
  public float[] data() {
    return data;
  }

  public float[] copyData() {
    return data.clone();
  }

  public int size() {
    return data.length;
  }

  /** Rows {@code [from, to)} along axis 0, copied. */
  public FloatTensor rows(int from, int to) {
    int rowSize = rowSize();
    long[] s = shape.clone();
    s[0] = to - from;
    return new FloatTensor(s, Arrays.copyOfRange(data, from * rowSize, to * rowSize));
  }

  /** Elements per index of axis 0. */
  public int rowSize() {
    return shape.length == 0 || shape[0] == 0
        ? Math.toIntExact(
            elementCount(Arrays.copyOfRange(shape, Math.min(1, shape.length), shape.length)))
        : data.length / (int) shape[0];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatTensor t
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "FloatTensor" + Arrays.toString(shape);
  }
}
