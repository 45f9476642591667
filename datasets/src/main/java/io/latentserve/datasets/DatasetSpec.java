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
    int classes) {
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
    if (trainCount <= 0 || testCount <= 0 || rows <= 0 || cols <= 0 || classes <= 0) {
      throw new IllegalArgumentException(
          "counts, image sizes and classes of " + name + " must be > 0");
    }
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

  /** The four file names: train images, train labels, test images, test labels. */
  public List<String> files() {
    return List.of(trainImages, trainLabels, testImages, testLabels);
  }
}
