package io.latentserve.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemModelRepositoryTest extends ModelRepositoryContract {
  @TempDir Path root;

  private ExecutorService executor;

  @Override
  FileSystemModelRepository newRepository() {
    return new FileSystemModelRepository(root);
  }

  @AfterEach
  void stopExecutor() throws InterruptedException {
    if (executor != null) {
      executor.shutdownNow();
      assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void publish_writesVersionFolderAndLeavesNoTemporaryFolder() throws IOException {
    FileSystemModelRepository repository = newRepository();

    Bundle bundle = publish(repository, "mnist", 1);

    assertThat(bundle.directory()).isEqualTo(root.resolve("mnist").resolve("1"));
    assertThat(bundle.graphFile(GraphRole.ENCODER)).exists();
    try (Stream<Path> entries = Files.list(root.resolve("mnist"))) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("1");
    }
    try (Stream<Path> entries = Files.list(bundle.directory())) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "manifest.json",
              "encoder.onnx",
              "decoder.onnx",
              "log_joint.onnx",
              "log_posterior.onnx",
              "log_weights.onnx");
    }
  }

  @Test
  void publish_extraFile_isWrittenAndVerified() {
    FileSystemModelRepository repository = newRepository();
    Map<String, byte[]> files = new java.util.TreeMap<>(TestBundles.graphFiles(1));
    files.put("weights.bin", new byte[] {1, 2, 3});

    Bundle bundle = repository.publish("mnist", TestBundles.manifest(ARCHITECTURE), files);

    assertThat(repository.open("mnist", bundle.version()).manifest().sha256())
        .containsKey("weights.bin");
  }

  @Test
  void publish_fileNameOutsideFolder_throws() {
    FileSystemModelRepository repository = newRepository();
    Map<String, byte[]> files = new java.util.TreeMap<>(TestBundles.graphFiles(1));
    files.put("../evil", new byte[] {1});

    assertThatThrownBy(() -> repository.publish("mnist", TestBundles.manifest(ARCHITECTURE), files))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("bundle file name \"../evil\" is invalid");
    assertThat(root.resolve("evil")).doesNotExist();
  }

  @Test
  void publish_fourThreadsAtOnce_getDistinctVersions() throws Exception {
    int threads = 4;
    int perThread = 3;
    executor = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<Long>>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long seed = t;
      // One repository object per thread, as separate processes on a shared volume would have.
      FileSystemModelRepository repository = newRepository();
      Callable<List<Long>> publisher =
          () -> {
            start.await();
            List<Long> versions = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
              versions.add(publish(repository, "mnist", seed * 100 + i).version());
            }
            return versions;
          };
      results.add(executor.submit(publisher));
    }

    start.countDown();
    List<Long> versions = new ArrayList<>();
    for (Future<List<Long>> result : results) {
      versions.addAll(result.get(60, TimeUnit.SECONDS));
    }

    assertThat(versions).doesNotHaveDuplicates().hasSize(threads * perThread);
    FileSystemModelRepository repository = newRepository();
    assertThat(repository.versions("mnist"))
        .containsExactlyElementsOf(
            Stream.iterate(1L, v -> v + 1).limit(threads * perThread).toList());
    for (long version : versions) {
      assertThat(repository.open("mnist", version).version()).isEqualTo(version);
    }
    try (Stream<Path> entries = Files.list(root.resolve("mnist"))) {
      assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
    }
  }

  @Test
  void versions_hiddenFolders_areIgnored() throws IOException {
    FileSystemModelRepository repository = newRepository();
    publish(repository, "mnist", 1);
    TestBundles.writeFolder(
        root.resolve("mnist").resolve(".tmp-1234"),
        TestBundles.manifest(ARCHITECTURE),
        TestBundles.graphFiles(2));
    TestBundles.writeFolder(
        root.resolve(".hidden").resolve("1"),
        TestBundles.manifest(ARCHITECTURE),
        TestBundles.graphFiles(2));

    assertThat(repository.versions("mnist")).containsExactly(1L);
    assertThat(repository.modelNames()).containsExactly("mnist");
  }

  @Test
  void versions_folderWithoutManifest_isIgnoredAndItsNumberNotReused() throws IOException {
    FileSystemModelRepository repository = newRepository();
    publish(repository, "mnist", 1);
    Path partial = root.resolve("mnist").resolve("2");
    Files.createDirectories(partial);
    Files.write(partial.resolve("encoder.onnx"), new byte[] {1, 2, 3});

    assertThat(repository.versions("mnist")).containsExactly(1L);
    assertThat(repository.latestVersion("mnist")).contains(1L);
    assertThat(publish(repository, "mnist", 3).version()).isEqualTo(3);
    assertThat(repository.versions("mnist")).containsExactly(1L, 3L);
  }

  @Test
  void versions_nonCanonicalFolderNames_areIgnored() throws IOException {
    FileSystemModelRepository repository = newRepository();
    for (String name : List.of("01", "0", "abc", "-1")) {
      TestBundles.writeFolder(
          root.resolve("mnist").resolve(name),
          TestBundles.manifest(ARCHITECTURE),
          TestBundles.graphFiles(1));
    }
    TestBundles.writeFolder(
        root.resolve("Upper").resolve("1"),
        TestBundles.manifest(ARCHITECTURE),
        TestBundles.graphFiles(1));

    assertThat(repository.versions("mnist")).isEmpty();
    assertThat(repository.modelNames()).isEmpty();
  }

  @Test
  void modelNames_missingRoot_isEmpty() {
    FileSystemModelRepository repository =
        new FileSystemModelRepository(root.resolve("not-created-yet"));

    assertThat(repository.modelNames()).isEmpty();
    assertThat(repository.versions("mnist")).isEmpty();
    assertThat(publish(repository, "mnist", 1).version()).isEqualTo(1);
  }

  @Test
  void open_byteTamperedAfterPublish_throwsShaMismatch() throws IOException {
    FileSystemModelRepository repository = newRepository();
    Bundle bundle = publish(repository, "mnist", 1);
    Path encoder = bundle.graphFile(GraphRole.ENCODER);
    byte[] bytes = Files.readAllBytes(encoder);
    bytes[bytes.length - 1] ^= (byte) 0x80;
    Files.write(encoder, bytes);

    assertThatThrownBy(() -> repository.open("mnist", 1))
        .isInstanceOf(BundleException.class)
        .isNotInstanceOf(BundleNotFoundException.class)
        .hasMessage(
            "bundle mnist/1: encoder.onnx sha256 is "
                + BundleFiles.sha256(bytes)
                + ", manifest says "
                + bundle.manifest().sha256().get("encoder.onnx"));
  }

  @Test
  void resolve_zero_opensLatest() {
    FileSystemModelRepository repository = newRepository();
    publish(repository, "mnist", 1);
    publish(repository, "mnist", 2);

    assertThat(repository.resolve("mnist", 0)).map(Bundle::version).contains(2L);
    assertThat(repository.resolve("mnist", 1)).map(Bundle::version).contains(1L);
    assertThat(repository.resolve("mnist", 3)).isEmpty();
    assertThat(repository.resolve("fashion", 0)).isEmpty();
  }

  @Test
  void delete_publishedVersion_removesItFromListings() {
    FileSystemModelRepository repository = newRepository();
    publish(repository, "mnist", 1);
    publish(repository, "mnist", 2);

    assertThat(repository.delete("mnist", 1)).isTrue();

    assertThat(repository.versions("mnist")).containsExactly(2L);
    assertThat(repository.versionDirectory("mnist", 1)).doesNotExist();
    assertThat(repository.delete("mnist", 1)).isFalse();
    assertThat(repository.delete("fashion", 1)).isFalse();
  }

  @Test
  void delete_lastVersion_removesModelFromNames() {
    FileSystemModelRepository repository = newRepository();
    publish(repository, "mnist", 1);

    repository.delete("mnist", 1);

    assertThat(repository.modelNames()).isEmpty();
    assertThat(repository.latestVersion("mnist")).isEmpty();
  }

  @Test
  void deleteStaleTemporaryFolders_removesOnlyOldHiddenFolders() throws IOException {
    FileSystemModelRepository repository = newRepository();
    publish(repository, "mnist", 1);
    Instant now = Instant.now();
    Path stale = Files.createDirectories(root.resolve("mnist").resolve(".tmp-stale"));
    Files.write(stale.resolve("encoder.onnx"), new byte[] {1});
    Files.setLastModifiedTime(stale, FileTime.from(now.minus(Duration.ofHours(2))));
    Path fresh = Files.createDirectories(root.resolve("mnist").resolve(".tmp-fresh"));
    Files.setLastModifiedTime(fresh, FileTime.from(now));

    int removed = repository.deleteStaleTemporaryFolders(now.minus(Duration.ofHours(1)));

    assertThat(removed).isEqualTo(1);
    assertThat(stale).doesNotExist();
    assertThat(fresh).exists();
    assertThat(repository.versions("mnist")).containsExactly(1L);
  }

  @Test
  void versionDirectory_invalidArguments_throw() {
    FileSystemModelRepository repository = newRepository();

    assertThatThrownBy(() -> repository.versionDirectory("A", 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> repository.versionDirectory("mnist", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("version must be >= 1, got 0");
  }
}
