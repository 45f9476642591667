package io.latentserve.datasets;

import java.util.Arrays;
import java.util.Objects;

/**
 * Unsigned-byte images as stored in an IDX file.
 *
 * @param count number of images N
 * @param rows image height in pixels
 * @param cols image width in pixels
 * @param pixels [N, rows, cols] unsigned bytes (0..255 as {@code b & 0xFF}), row-major; copied in
 *     and out
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {
  public IdxImages {
    if (count < 0 || rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException(
          "images need count >= 0 and rows, cols > 0, got " + count + "x" + rows + "x" + cols);
    }
    long expected = (long) count * rows * cols;
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          count
              + " images of "
              + rows
              + "x"
              + cols
              + " need "
              + expected
              + " pixels, got "
              + pixels.length);
    }
    pixels = pixels.clone();
  }

  @Override
  public byte[] pixels() {
    return pixels.clone();
  }

  /** Pixels per image, rows * cols. */
  public int pixelsPerImage() {
    return rows * cols;
  }

  /** The images as float32 intensities {@code b / 255} in [0, 1], [N, rows * cols] row-major. */
  public float[] toUnitInterval() {
    float[] out = new float[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      out[i] = (pixels[i] & 0xFF) / 255f;
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdxImages other
        && count == other.count
        && rows == other.rows
        && cols == other.cols
        && Arrays.equals(pixels, other.pixels);
  }

  @Override
  public int hashCode() {
    return Objects.hash(count, rows, cols, Arrays.hashCode(pixels));
  }

  @Override
  public String toString() {
    return "IdxImages[" + count + ", " + rows + ", " + cols + "]";
  }
}
