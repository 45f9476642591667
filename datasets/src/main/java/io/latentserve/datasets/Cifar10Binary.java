package io.latentserve.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the CIFAR-10 binary release (Krizhevsky 2009, {@code cifar-10-binary.tar.gz}): each batch
 * file is a sequence of 3073-byte records, 1 label byte in [0, 10) then 3072 pixel bytes, the 1024
 * red values of the 32x32 image in row-major order, then the green, then the blue. The train split
 * is {@code data_batch_1.bin} to {@code data_batch_5.bin}, 10,000 records each, in that order; the
 * test split is {@code test_batch.bin}.
 */
public final class Cifar10Binary {
  /** Catalogue name. */
  public static final String NAME = "cifar-10";

  public static final int SIDE = 32;
  public static final int CHANNELS = 3;
  public static final int PIXELS = CHANNELS * SIDE * SIDE;
  public static final int RECORD = 1 + PIXELS;
  public static final int RECORDS_PER_BATCH = 10_000;
  public static final int CLASSES = 10;

  /** The batch files, train first. */
  public static final List<String> FILES =
      List.of(
          "data_batch_1.bin",
          "data_batch_2.bin",
          "data_batch_3.bin",
          "data_batch_4.bin",
          "data_batch_5.bin",
          "test_batch.bin");

  /** The folder inside the release's tarball that holds the batches. */
  static final String TARBALL_FOLDER = "cifar-10-batches-bin/";

  private Cifar10Binary() {}

  /** The batch files of {@code split}. */
  public static List<String> files(Split split) {
    return split == Split.TRAIN ? FILES.subList(0, 5) : FILES.subList(5, 6);
  }

  /**
   * Reads the first {@code max} records of the batches in {@code files}, in order.
   *
   * @param max records to read at most (Integer.MAX_VALUE for all)
   * @return intensities b / 255 in [0, 1], [N, 3072] channel-major, and the labels
   * @throws IdxFormatException when a file's size is not a whole number of records or a label is
   *     not in [0, 10)
   */
  public static Batch read(List<Path> files, int max) throws IOException {
    List<float[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    byte[] record = new byte[RECORD];
    for (Path file : files) {
      long size = Files.size(file);
      if (size % RECORD != 0) {
        throw new IdxFormatException(
            file, "size " + size + " is not a whole number of " + RECORD + "-byte CIFAR records");
      }
      try (InputStream in = Files.newInputStream(file)) {
        for (long r = 0; r < size / RECORD && labels.size() < max; r++) {
          if (in.readNBytes(record, 0, RECORD) != RECORD) {
            throw new IdxFormatException(file, "truncated at record " + r);
          }
          int label = record[0] & 0xff;
          if (label >= CLASSES) {
            throw new IdxFormatException(
                file, "record " + r + " has label " + label + ", expected [0, " + CLASSES + ")");
          }
          float[] pixels = new float[PIXELS];
          for (int i = 0; i < PIXELS; i++) {
            pixels[i] = (record[1 + i] & 0xff) / 255f;
          }
          images.add(pixels);
          labels.add(label);
        }
      }
    }
    float[] all = new float[images.size() * PIXELS];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, all, i * PIXELS, PIXELS);
    }
    return new Batch(all, labels.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * Records read.
   *
   * @param images [N * 3072] intensities, channel-major per image
   * @param labels [N]
   */
  public record Batch(float[] images, int[] labels) {}
}
