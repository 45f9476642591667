package io.latentserve.datasets;

import java.util.List;

/**
 * What the catalogue knows about a data set: its file names under {@code <dataDir>/<name>/} and the
 * shape of each split.
 *
 * @param name catalogue name, also the folder name
 * @param description one line for listings
 * @param trainImages file of the train images, ubyte [trainCount, rows, cols]
 * @param trainLabels file of the train labels, ubyte [trainCount]
 * @param testImages file of the test images, ubyte [testCount, rows, cols]
 * @param testLabels file of the test labels, ubyte [testCount]
 * @param trainCount examples in the train split
 * @param testCount examples in the test split
 * @param rows image height in pixels
 * @param cols image width in pixels
 * @param classes number of classes: every label is in [0, classes), and a model conditioned on the
 *     one-hot label has condition size {@code classes}
 * @param channels colour channels per pixel: 1 for grayscale, 3 for RGB
 * @param format how the files store the images: gzip IDX with separate label files, or the CIFAR-10
 *     binary batches (one label byte then the channel-major pixels of each image, every batch file
 *     of a split holding both; the file names above are then the first train batch and the test
 *     batch, see {@link #files()})
 */
public record DatasetSpec(
    String name,
    String description,
    String trainImages,
    String trainLabels,
    String testImages,
    String testLabels,
    int trainCount,
    int testCount,
    int rows,
    int cols,
    int classes,
    int channels,
    Format format) {
  /** How a data set's files store it. */
  public enum Format {
    /** gzip (or raw) IDX: an images file and a labels file per split. */
    IDX,
    /**
     * The CIFAR-10 binary release: {@code data_batch_1.bin} to {@code data_batch_5.bin} (train) and
     * {@code test_batch.bin}, each 10,000 records of 1 label byte + 3072 pixel bytes.
     */
    CIFAR_BINARY
  }

  /** A grayscale IDX data set. */
  public DatasetSpec(
      String name,
      String description,
      String trainImages,
      String trainLabels,
      String testImages,
      String testLabels,
      int trainCount,
      int testCount,
      int rows,
      int cols,
      int classes) {
    this(
        name,
        description,
        trainImages,
        trainLabels,
        testImages,
        testLabels,
        trainCount,
        testCount,
        rows,
        cols,
        classes,
        1,
        Format.IDX);
  }

  public DatasetSpec {
    if (name == null || !name.matches("[a-z0-9][a-z0-9._-]*")) {
      throw new IllegalArgumentException(
          "dataset name must be lower-case letters, digits, '.', '_' or '-', got '" + name + "'");
    }
    for (String f : List.of(trainImages, trainLabels, testImages, testLabels)) {
      if (f == null || f.isBlank() || f.contains("/")) {
        throw new IllegalArgumentException("file names of " + name + " must be plain names");
      }
    }
    if (trainCount <= 0
        || testCount <= 0
        || rows <= 0
        || cols <= 0
        || classes <= 0
        || channels <= 0) {
      throw new IllegalArgumentException(
          "counts, image sizes, classes and channels of " + name + " must be > 0");
    }
    if (format == null) {
      throw new IllegalArgumentException("format of " + name + " is required");
    }
  }

  /** Features per example: channels * rows * cols. */
  public int features() {
    return channels * rows * cols;
  }

  /** The input shape of a model of this data: [channels, rows, cols]. */
  public List<Long> inputShape() {
    return List.of((long) channels, (long) rows, (long) cols);
  }

  /** The images file of {@code split}. */
  public String imagesFile(Split split) {
    return split == Split.TRAIN ? trainImages : testImages;
  }

  /** The labels file of {@code split}. */
  public String labelsFile(Split split) {
    return split == Split.TRAIN ? trainLabels : testLabels;
  }

  /** Examples in {@code split}. */
  public int count(Split split) {
    return split == Split.TRAIN ? trainCount : testCount;
  }

  /**
   * The files: for IDX train images, train labels, test images, test labels; for the CIFAR binary
   * batches every batch, train first.
   */
  public List<String> files() {
    if (format == Format.CIFAR_BINARY) {
      return Cifar10Binary.FILES;
    }
    return List.of(trainImages, trainLabels, testImages, testLabels);
  }
}
