package io.latentserve.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.model.VaeArchitecture;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ModelRepository} must show. An implementation's test extends this
 * class and supplies a fresh, empty repository.
 */
abstract class ModelRepositoryContract {
  static final VaeArchitecture ARCHITECTURE = VaeArchitecture.iwaeOneLayer();

  /** A new, empty repository; called once per test. */
  abstract ModelRepository newRepository();

  Bundle publish(ModelRepository repository, String model, long seed) {
    return repository.publish(
        model, TestBundles.manifest(ARCHITECTURE), TestBundles.graphFiles(seed));
  }

  @Test
  void modelNames_emptyRepository_isEmpty() {
    ModelRepository repository = newRepository();

    assertThat(repository.modelNames()).isEmpty();
    assertThat(repository.versions("mnist")).isEmpty();
    assertThat(repository.latestVersion("mnist")).isEmpty();
  }

  @Test
  void publish_threeTimes_assignsOneTwoThree() {
    ModelRepository repository = newRepository();

    long first = publish(repository, "mnist", 1).version();
    long second = publish(repository, "mnist", 2).version();
    long third = publish(repository, "mnist", 3).version();

    assertThat(new long[] {first, second, third}).containsExactly(1, 2, 3);
    assertThat(repository.versions("mnist")).containsExactly(1L, 2L, 3L);
    assertThat(repository.latestVersion("mnist")).contains(3L);
  }

  @Test
  void publish_twoModels_numbersEachModelFromOne() {
    ModelRepository repository = newRepository();

    publish(repository, "omniglot", 1);
    publish(repository, "mnist", 2);
    publish(repository, "mnist", 3);

    assertThat(repository.modelNames()).containsExactly("mnist", "omniglot");
    assertThat(repository.versions("omniglot")).containsExactly(1L);
    assertThat(repository.latestVersion("mnist")).contains(2L);
  }

  @Test
  void open_published_returnsManifestWithDigestsOfFiles() {
    ModelRepository repository = newRepository();
    Map<String, byte[]> files = TestBundles.graphFiles(5);
    Bundle published = repository.publish("mnist", TestBundles.manifest(ARCHITECTURE), files);

    Bundle opened = repository.open("mnist", published.version());

    assertThat(opened.manifest()).isEqualTo(published.manifest());
    assertThat(opened.manifest().architecture()).isEqualTo(ARCHITECTURE);
    assertThat(opened.manifest().sha256())
        .containsEntry("encoder.onnx", BundleFiles.sha256(files.get("encoder.onnx")))
        .hasSize(GraphRole.values().length);
  }

  @Test
  void open_unknownVersion_throwsNotFound() {
    ModelRepository repository = newRepository();
    publish(repository, "mnist", 1);

    assertThatThrownBy(() -> repository.open("mnist", 2))
        .isInstanceOf(BundleNotFoundException.class)
        .hasMessageContaining("mnist/2");
    assertThatThrownBy(() -> repository.open("fashion", 1))
        .isInstanceOf(BundleNotFoundException.class)
        .hasMessageContaining("fashion/1");
  }

  @Test
  void publish_invalidModelName_throwsAndPublishesNothing() {
    ModelRepository repository = newRepository();

    assertThatThrownBy(() -> publish(repository, "../escape", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"../escape\"");
    assertThat(repository.modelNames()).isEmpty();
  }

  @Test
  void publish_graphFileNotSupplied_throwsAndPublishesNothing() {
    ModelRepository repository = newRepository();
    Map<String, byte[]> files = new java.util.TreeMap<>(TestBundles.graphFiles(1));
    files.remove("decoder.onnx");

    assertThatThrownBy(() -> repository.publish("mnist", TestBundles.manifest(ARCHITECTURE), files))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("decoder.onnx");
    assertThat(repository.versions("mnist")).isEmpty();
  }

  @Test
  void publish_shapeDisagreesWithArchitecture_throwsAndPublishesNothing() {
    ModelRepository repository = newRepository();
    Manifest manifest =
        TestBundles.manifestWithGraph(
            ARCHITECTURE,
            GraphRole.LOG_POSTERIOR,
            g -> TestBundles.replaceOutput(g, "log_qz", null));

    assertThatThrownBy(() -> repository.publish("mnist", manifest, TestBundles.graphFiles(1)))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("log_posterior graph lacks output log_qz");
    assertThat(repository.versions("mnist")).isEmpty();
  }
}
