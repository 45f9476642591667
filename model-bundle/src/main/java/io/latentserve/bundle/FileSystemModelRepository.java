package io.latentserve.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ModelRepository} in a folder: {@code <root>/<model>/<version>/}, with canonical decimal
 * version folder names (1, 2, ..., no leading zeros).
 *
 * <p>A version is complete when its folder holds {@code manifest.json}; {@link #publish} guarantees
 * that a version folder only ever appears complete by writing everything into a hidden {@code
 * <root>/<model>/.tmp-<uuid>/} folder, forcing it to disk, and renaming it atomically to the next
 * free version number. Folders whose name starts with a dot are temporary and ignored, as are
 * version folders without a manifest and any name that is not a valid model name or version.
 *
 * <p>Safe for concurrent use by threads and processes sharing the folder (for example replicas on a
 * shared volume): concurrent publishers of one model get distinct versions, because a rename onto a
 * version that appeared meanwhile fails and the publisher retries with the next number.
 */
public final class FileSystemModelRepository implements ModelRepository {
  private static final Logger log = LoggerFactory.getLogger(FileSystemModelRepository.class);
  private static final Pattern VERSION_FOLDER = Pattern.compile("[1-9][0-9]{0,17}");
  private static final String TEMP_PREFIX = ".tmp-";
  private static final String DELETED_PREFIX = ".del-";
  private static final int MAX_PUBLISH_ATTEMPTS = 1000;

  private final Path root;

  /** A repository in {@code root}; the folder is created by the first publish if missing. */
  public FileSystemModelRepository(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** The folder of one version, whether or not it exists. */
  public Path versionDirectory(String modelName, long version) {
    checkVersion(version);
    return modelDirectory(modelName).resolve(Long.toString(version));
  }

  private Path modelDirectory(String modelName) {
    return root.resolve(ModelNames.validate(modelName));
  }

  @Override
  public List<String> modelNames() {
    List<String> names = new ArrayList<>();
    for (Path dir : list(root)) {
      String name = dir.getFileName().toString();
      if (ModelNames.isValid(name) && Files.isDirectory(dir) && !versions(name).isEmpty()) {
        names.add(name);
      }
    }
    names.sort(null);
    return List.copyOf(names);
  }

  @Override
  public List<Long> versions(String modelName) {
    List<Long> versions = new ArrayList<>();
    for (Path dir : list(modelDirectory(modelName))) {
      String name = dir.getFileName().toString();
      if (VERSION_FOLDER.matcher(name).matches()
          && Files.isRegularFile(dir.resolve(Manifest.FILE_NAME))) {
        versions.add(Long.parseLong(name));
      }
    }
    versions.sort(null);
    return List.copyOf(versions);
  }

  /**
   * {@inheritDoc}
   *
   * @throws BundleNotFoundException if the version is not published
   * @throws IllegalArgumentException if the name breaks {@link ModelNames} or version is < 1
   */
  @Override
  public Bundle open(String modelName, long version) {
    Path dir = versionDirectory(modelName, version);
    if (!Files.isDirectory(dir)) {
      throw new BundleNotFoundException(
          "bundle " + modelName + "/" + version + " not found: no such version");
    }
    return BundleReader.read(modelName, version, dir);
  }

  /**
   * Opens one version, or the latest one when {@code version} is 0.
   *
   * @return empty if the model or version is not published
   * @throws BundleException if the bundle exists but is corrupt
   */
  public Optional<Bundle> resolve(String modelName, long version) {
    if (version < 0) {
      throw new IllegalArgumentException(
          "version must be >= 1, or 0 for the latest, got " + version);
    }
    long wanted = version == 0 ? latestVersion(modelName).orElse(0L) : version;
    if (wanted == 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(open(modelName, wanted));
    } catch (BundleNotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The manifest is checked as {@link BundleReader} would check it (format version, every
   * graph's file among {@code files}, shapes against the architecture) before anything is written.
   *
   * @throws IllegalArgumentException if the model name or a file name is invalid
   * @throws BundleException if the manifest is inconsistent or the files cannot be written
   */
  @Override
  public Bundle publish(String modelName, Manifest manifest, Map<String, byte[]> files) {
    Path modelDir = modelDirectory(modelName);
    Map<String, String> sha256 = new TreeMap<>();
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      if (!BundleFiles.isValidFileName(file.getKey())) {
        throw new IllegalArgumentException(
            "bundle file name \""
                + file.getKey()
                + "\" is invalid: expected "
                + BundleFiles.fileNameRule());
      }
      if (file.getValue() == null) {
        throw new IllegalArgumentException("bundle file " + file.getKey() + " has no contents");
      }
      sha256.put(file.getKey(), BundleFiles.sha256(file.getValue()));
    }
    Manifest complete =
        new Manifest(
            manifest.formatVersion(),
            manifest.architecture(),
            manifest.graphs(),
            manifest.provenance(),
            sha256,
            manifest.logPartition());
    BundleReader.checkStructure(modelName + " (new version)", complete);
    byte[] manifestBytes = ManifestJson.write(complete).getBytes(StandardCharsets.UTF_8);

    Path temp = null;
    try {
      Files.createDirectories(modelDir);
      temp = Files.createDirectory(modelDir.resolve(TEMP_PREFIX + UUID.randomUUID()));
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        BundleFiles.writeDurably(temp.resolve(file.getKey()), file.getValue());
      }
      BundleFiles.writeDurably(temp.resolve(Manifest.FILE_NAME), manifestBytes);
      BundleFiles.syncDirectory(temp);
      long version = nextVersion(modelDir);
      for (int attempt = 0; attempt < MAX_PUBLISH_ATTEMPTS; attempt++) {
        Path target = modelDir.resolve(Long.toString(version));
        if (tryRename(temp, target)) {
          BundleFiles.syncDirectory(modelDir);
          log.info("published {}/{}", modelName, version);
          return new Bundle(modelName, version, target, complete);
        }
        version = Math.max(version + 1, nextVersion(modelDir));
      }
      throw new BundleException(
          "cannot publish "
              + modelName
              + ": every version number tried was taken ("
              + MAX_PUBLISH_ATTEMPTS
              + " attempts)");
    } catch (IOException e) {
      throw new BundleException(
          "cannot publish "
              + modelName
              + ": writing the bundle failed with "
              + e.getClass().getSimpleName(),
          e);
    } finally {
      if (temp != null && Files.exists(temp)) {
        deleteQuietly(temp);
      }
    }
  }

  /**
   * Renames a complete temporary folder to a version folder.
   *
   * @return false if the version folder exists (another publisher took the number)
   */
  private static boolean tryRename(Path temp, Path target) throws IOException {
    if (Files.exists(target)) {
      return false;
    }
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (FileSystemException e) {
      // Linux reports a non-empty target as ENOTEMPTY, others as EEXIST: both mean "taken".
      if (Files.exists(target) && Files.exists(temp)) {
        return false;
      }
      throw e;
    }
  }

  /** One more than the highest version folder, complete or not, so no folder is reused. */
  private static long nextVersion(Path modelDir) {
    long max = 0;
    for (Path dir : list(modelDir)) {
      String name = dir.getFileName().toString();
      if (VERSION_FOLDER.matcher(name).matches()) {
        max = Math.max(max, Long.parseLong(name));
      }
    }
    return max + 1;
  }

  /**
   * Deletes a version folder, complete or not. It first disappears from listings in one atomic
   * rename, then its files are removed. A later publish may reuse the number if it was the highest.
   *
   * @return whether the version folder existed
   */
  public boolean delete(String modelName, long version) {
    Path dir = versionDirectory(modelName, version);
    if (!Files.isDirectory(dir)) {
      return false;
    }
    Path trash = dir.resolveSibling(DELETED_PREFIX + UUID.randomUUID());
    try {
      Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + modelName + "/" + version, e);
    }
    deleteRecursively(trash);
    log.info("deleted {}/{}", modelName, version);
    return true;
  }

  /**
   * Removes hidden temporary folders left by publishers or deletions that died half way, if they
   * were last modified before {@code cutoff}. Pick a cutoff well before any publish still running.
   *
   * @return how many folders were removed
   */
  public int deleteStaleTemporaryFolders(Instant cutoff) {
    int removed = 0;
    for (Path modelDir : list(root)) {
      if (!ModelNames.isValid(modelDir.getFileName().toString()) || !Files.isDirectory(modelDir)) {
        continue;
      }
      for (Path dir : list(modelDir)) {
        String name = dir.getFileName().toString();
        if (!name.startsWith(TEMP_PREFIX) && !name.startsWith(DELETED_PREFIX)) {
          continue;
        }
        try {
          if (Files.getLastModifiedTime(dir).toInstant().isBefore(cutoff)) {
            deleteRecursively(dir);
            removed++;
          }
        } catch (NoSuchFileException e) {
          // Renamed or removed meanwhile.
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return removed;
  }

  /** Entries of a folder; empty if it does not exist. */
  private static List<Path> list(Path dir) {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(entries::add);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries;
  }

  private static void checkVersion(long version) {
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, got " + version);
    }
  }

  private static void deleteRecursively(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              if (e != null) {
                throw e;
              }
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException e) {
      // Already gone.
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteRecursively(dir);
    } catch (UncheckedIOException e) {
      log.warn("could not remove temporary folder {}", dir, e);
    }
  }

  @Override
  public String toString() {
    return "FileSystemModelRepository[" + root + "]";
  }
}
