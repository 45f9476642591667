package io.latentserve.datasets;

import io.latentserve.model.FloatTensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * One split of a data set in memory: images as intensities in [0, 1] and their class labels.
 *
 * @param name catalogue name, e.g. "mnist-10k"
 * @param split train or test
 * @param images [N, D] float32 intensities in [0, 1], row-major, D = rows * cols; immutable by the
 *     contract of {@link FloatTensor} ({@code images().data()} is the backing array, read-only)
 * @param labels [N] class labels; copied in and out
 * @param rows image height in pixels
 * @param cols image width in pixels
 */
public record Dataset(
    String name, Split split, FloatTensor images, int[] labels, int rows, int cols) {
  public Dataset {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("dataset name is required");
    }
    if (split == null) {
      throw new IllegalArgumentException("split of dataset " + name + " is required");
    }
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException(
          "images of " + name + " need rows, cols > 0, got " + rows + "x" + cols);
    }
    if (images.rank() != 2 || images.dim(1) != (long) rows * cols) {
      throw new IllegalArgumentException(
          "images of "
              + name
              + " must be [N, "
              + rows * cols
              + "] for "
              + rows
              + "x"
              + cols
              + " pixels, got "
              + Arrays.toString(images.shape()));
    }
    if (labels.length != images.dim(0)) {
      throw new IllegalArgumentException(
          name + " has " + images.dim(0) + " images but " + labels.length + " labels");
    }
    labels = labels.clone();
  }

  /**
   * Wraps {@code images} (not copied: the caller hands it over and must not modify it) as a data
   * set.
   *
   * @param images [N, rows * cols] intensities in [0, 1]
   */
  public static Dataset of(
      String name, Split split, float[] images, int[] labels, int rows, int cols) {
    if (rows <= 0 || cols <= 0 || images.length % (rows * cols) != 0) {
      throw new IllegalArgumentException(
          images.length + " values do not make whole " + rows + "x" + cols + " images");
    }
    return new Dataset(
        name,
        split,
        FloatTensor.of(images, images.length / (rows * cols), (long) rows * cols),
        labels,
        rows,
        cols);
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  /** Number of examples N. */
  public int size() {
    return labels.length;
  }

  /** Features per example D = rows * cols. */
  public int dimension() {
    return rows * cols;
  }

  /** The label of example {@code i}. */
  public int label(int i) {
    return labels[Objects.checkIndex(i, labels.length)];
  }

  /** Labels of examples {@code [from, to)}, copied. */
  public int[] labels(int from, int to) {
    Objects.checkFromToIndex(from, to, labels.length);
    return Arrays.copyOfRange(labels, from, to);
  }

  /** Example {@code i} as [D] intensities, copied. */
  public float[] row(int i) {
    Objects.checkIndex(i, size());
    int d = dimension();
    return Arrays.copyOfRange(images.data(), i * d, (i + 1) * d);
  }

  /** Examples {@code [from, to)} as a [to - from, D] tensor, copied. */
  public FloatTensor rows(int from, int to) {
    Objects.checkFromToIndex(from, to, size());
    return images.rows(from, to);
  }

  /**
   * Copies examples {@code [from, to)} into {@code dst} from {@code dstOffset}, row-major: the
   * allocation-free way to fill a batch buffer.
   */
  public void copyRows(int from, int to, float[] dst, int dstOffset) {
    Objects.checkFromToIndex(from, to, size());
    int d = dimension();
    System.arraycopy(images.data(), from * d, dst, dstOffset, (to - from) * d);
  }

  /** Examples {@code [from, to)} as a data set of their own (copied). */
  public Dataset slice(int from, int to) {
    Objects.checkFromToIndex(from, to, size());
    return new Dataset(name, split, images.rows(from, to), labels(from, to), rows, cols);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dataset other
        && name.equals(other.name)
        && split == other.split
        && rows == other.rows
        && cols == other.cols
        && Arrays.equals(labels, other.labels)
        && images.equals(other.images);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, split, rows, cols, Arrays.hashCode(labels), images);
  }

  @Override
  public String toString() {
    return "Dataset[" + name + "/" + split + ", " + size() + " x " + rows + "x" + cols + "]";
  }
}
