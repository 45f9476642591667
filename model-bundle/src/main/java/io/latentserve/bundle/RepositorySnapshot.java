package io.latentserve.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The complete versions of a {@link FileSystemModelRepository} at one moment, each with a cheap
 * fingerprint of its manifest file, for hot reload by polling: scan every second or so and act on
 * {@link #diff}. Polling, unlike a file watch, also works on shared network volumes.
 *
 * <p>A scan lists folders and reads the attributes of one file per version; it opens no file.
 */
public final class RepositorySnapshot {
  /**
   * What identifies one published manifest file cheaply: a version that was deleted and published
   * again gets a new file and (almost surely) a different fingerprint.
   *
   * @param manifestBytes size of manifest.json, bytes
   * @param manifestModifiedNanos its last-modified time, nanoseconds since the epoch
   * @param fileKey the filesystem's identity of the file (device and inode), or "" if it has none
   */
  public record Fingerprint(long manifestBytes, long manifestModifiedNanos, String fileKey) {
    public Fingerprint {
      Objects.requireNonNull(fileKey, "fileKey");
    }
  }

  /**
   * The change from one snapshot to a later one. A version whose fingerprint changed is in both
   * lists, so that a consumer that unloads the removed and loads the added versions reloads it.
   *
   * @param added versions to load, sorted
   * @param removed versions to unload, sorted
   */
  public record Diff(List<ModelVersion> added, List<ModelVersion> removed) {
    public Diff {
      added = List.copyOf(added);
      removed = List.copyOf(removed);
    }

    public boolean isEmpty() {
      return added.isEmpty() && removed.isEmpty();
    }
  }

  private static final RepositorySnapshot EMPTY = new RepositorySnapshot(new TreeMap<>());

  private final Map<ModelVersion, Fingerprint> versions;

  private RepositorySnapshot(TreeMap<ModelVersion, Fingerprint> versions) {
    this.versions = Collections.unmodifiableMap(versions);
  }

  /** A snapshot of an empty repository: the starting point before the first scan. */
  public static RepositorySnapshot empty() {
    return EMPTY;
  }

  /**
   * Lists the complete versions of every model in {@code repository}. Versions that disappear while
   * the scan runs are left out.
   *
   * @throws UncheckedIOException if a folder cannot be listed or a manifest's attributes read
   */
  public static RepositorySnapshot scan(FileSystemModelRepository repository) {
    TreeMap<ModelVersion, Fingerprint> versions = new TreeMap<>();
    for (String model : repository.modelNames()) {
      for (long version : repository.versions(model)) {
        try {
          BasicFileAttributes attributes =
              Files.readAttributes(
                  repository.versionDirectory(model, version).resolve(Manifest.FILE_NAME),
                  BasicFileAttributes.class);
          Object key = attributes.fileKey();
          versions.put(
              new ModelVersion(model, version),
              new Fingerprint(
                  attributes.size(),
                  attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS),
                  key == null ? "" : key.toString()));
        } catch (NoSuchFileException e) {
          // Deleted since it was listed: not part of this snapshot.
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return new RepositorySnapshot(versions);
  }

  /** Every complete version with its fingerprint, sorted by model, then version. */
  public Map<ModelVersion, Fingerprint> fingerprints() {
    return versions;
  }

  /** Model names with at least one complete version, sorted. */
  public List<String> modelNames() {
    return versions.keySet().stream().map(ModelVersion::model).distinct().toList();
  }

  /** Complete versions of one model, ascending; empty if it has none. */
  public List<Long> versions(String model) {
    List<Long> result = new ArrayList<>();
    for (ModelVersion v : versions.keySet()) {
      if (v.model().equals(model)) {
        result.add(v.version());
      }
    }
    return List.copyOf(result);
  }

  /** The highest complete version of a model at the time of the scan. */
  public Optional<Long> latestVersion(String model) {
    List<Long> v = versions(model);
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  /** What changed from {@code previous} (an earlier snapshot) to this one. */
  public Diff diff(RepositorySnapshot previous) {
    List<ModelVersion> added = new ArrayList<>();
    List<ModelVersion> removed = new ArrayList<>();
    for (Map.Entry<ModelVersion, Fingerprint> entry : versions.entrySet()) {
      Fingerprint before = previous.versions.get(entry.getKey());
      if (!entry.getValue().equals(before)) {
        added.add(entry.getKey());
        if (before != null) {
          removed.add(entry.getKey());
        }
      }
    }
    for (ModelVersion version : previous.versions.keySet()) {
      if (!versions.containsKey(version)) {
        removed.add(version);
      }
    }
    removed.sort(null);
    return new Diff(added, removed);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RepositorySnapshot s && versions.equals(s.versions);
  }

  @Override
  public int hashCode() {
    return versions.hashCode();
  }

  @Override
  public String toString() {
    return "RepositorySnapshot" + versions.keySet();
  }
}
