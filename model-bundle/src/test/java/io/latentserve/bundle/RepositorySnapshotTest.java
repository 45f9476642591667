package io.latentserve.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.model.VaeArchitecture;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositorySnapshotTest {
  @TempDir Path root;

  private FileSystemModelRepository repository;

  @BeforeEach
  void createRepository() {
    repository = new FileSystemModelRepository(root);
  }

  private void publish(String model, Map<String, byte[]> files) {
    repository.publish(model, TestBundles.manifest(VaeArchitecture.iwaeOneLayer()), files);
  }

  @Test
  void scan_emptyRepository_equalsEmpty() {
    RepositorySnapshot snapshot = RepositorySnapshot.scan(repository);

    assertThat(snapshot).isEqualTo(RepositorySnapshot.empty());
    assertThat(snapshot.modelNames()).isEmpty();
    assertThat(snapshot.diff(RepositorySnapshot.empty()).isEmpty()).isTrue();
  }

  @Test
  void scan_publishedVersions_listsThemSorted() {
    publish("omniglot", TestBundles.graphFiles(1));
    publish("mnist", TestBundles.graphFiles(2));
    publish("mnist", TestBundles.graphFiles(3));

    RepositorySnapshot snapshot = RepositorySnapshot.scan(repository);

    assertThat(snapshot.modelNames()).containsExactly("mnist", "omniglot");
    assertThat(snapshot.versions("mnist")).containsExactly(1L, 2L);
    assertThat(snapshot.latestVersion("mnist")).contains(2L);
    assertThat(snapshot.versions("fashion")).isEmpty();
    assertThat(snapshot.fingerprints().keySet())
        .containsExactly(
            new ModelVersion("mnist", 1),
            new ModelVersion("mnist", 2),
            new ModelVersion("omniglot", 1));
  }

  @Test
  void diff_nothingChanged_isEmpty() {
    publish("mnist", TestBundles.graphFiles(1));
    RepositorySnapshot before = RepositorySnapshot.scan(repository);

    RepositorySnapshot after = RepositorySnapshot.scan(repository);

    assertThat(after).isEqualTo(before);
    assertThat(after.diff(before).isEmpty()).isTrue();
  }

  @Test
  void diff_afterPublishAndDelete_listsAddedAndRemoved() {
    publish("mnist", TestBundles.graphFiles(1));
    publish("mnist", TestBundles.graphFiles(2));
    RepositorySnapshot before = RepositorySnapshot.scan(repository);
    repository.delete("mnist", 1);
    publish("mnist", TestBundles.graphFiles(3));
    publish("fashion", TestBundles.graphFiles(4));

    RepositorySnapshot.Diff diff = RepositorySnapshot.scan(repository).diff(before);

    assertThat(diff.added())
        .containsExactly(new ModelVersion("fashion", 1), new ModelVersion("mnist", 3));
    assertThat(diff.removed()).containsExactly(new ModelVersion("mnist", 1));
  }

  @Test
  void diff_fromEmpty_addsEverything() {
    publish("mnist", TestBundles.graphFiles(1));

    RepositorySnapshot.Diff diff =
        RepositorySnapshot.scan(repository).diff(RepositorySnapshot.empty());

    assertThat(diff.added()).containsExactly(new ModelVersion("mnist", 1));
    assertThat(diff.removed()).isEmpty();
  }

  @Test
  void diff_versionDeletedAndPublishedAgain_listsItAsRemovedAndAdded() {
    publish("mnist", TestBundles.graphFiles(1));
    RepositorySnapshot before = RepositorySnapshot.scan(repository);
    repository.delete("mnist", 1);
    // An extra file makes the new manifest larger, so the fingerprint differs whatever the
    // filesystem's timestamp resolution and inode reuse.
    Map<String, byte[]> files = new TreeMap<>(TestBundles.graphFiles(2));
    files.put("notes.txt", new byte[] {42});
    publish("mnist", files);

    RepositorySnapshot.Diff diff = RepositorySnapshot.scan(repository).diff(before);

    assertThat(diff.added()).containsExactly(new ModelVersion("mnist", 1));
    assertThat(diff.removed()).containsExactly(new ModelVersion("mnist", 1));
  }
}
