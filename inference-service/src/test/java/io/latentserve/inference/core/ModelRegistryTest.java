package io.latentserve.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.GraphRole;
import io.latentserve.inference.app.TestBundles;
import io.latentserve.inference.onnx.OnnxConfig;
import io.latentserve.inference.onnx.OnnxDevice;
import io.latentserve.inference.onnx.OnnxVaeModels;
import io.latentserve.model.FloatTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  @TempDir Path root;
  private FileSystemModelRepository repository;
  private ModelRegistry registry;
  private final List<List<ServedModel>> changes = new ArrayList<>();

  private final List<String> events = new ArrayList<>();

  @BeforeEach
  void createRegistry() {
    repository = new FileSystemModelRepository(root);
    registry = registry(RegistryConfig.DEFAULT);
  }

  /**
   * A registry whose memory probe reads 0, so that every version is accounted at the size of its
   * graph files: the same for every bundle of {@link TestBundles#ARCHITECTURE}.
   */
  private ModelRegistry registry(RegistryConfig config) {
    OnnxConfig cpu = new OnnxConfig(OnnxDevice.parse("cpu"), 1);
    return new ModelRegistry(
        repository,
        bundle -> OnnxVaeModels.open(bundle, cpu, ModelLimits.DEFAULT),
        config,
        () -> 0,
        new RegistryListener() {
          @Override
          public void onLoaded(ModelId id, LoadTrigger trigger, long bytes, Duration took) {
            events.add("load " + id + " " + trigger);
          }

          @Override
          public void onUnloaded(ModelId id, UnloadReason reason) {
            events.add("unload " + id + " " + reason);
          }
        },
        changes::add);
  }

  private ModelRegistry replaceRegistry(RegistryConfig config) {
    registry.close();
    registry = registry(config);
    return registry;
  }

  private static RegistryConfig policy(String policy) {
    return new RegistryConfig(VersionPolicy.parse(policy), 0, Duration.ofSeconds(30));
  }

  private long graphBytes(String model, long version) throws IOException {
    long total = 0;
    Bundle b = repository.open(model, version);
    for (GraphRole role : GraphRole.values()) {
      total += Files.size(b.graphFile(role));
    }
    return total;
  }

  private void use(String model) {
    try (ModelLease lease = registry.acquire(model, 0)) {
      assertThat(lease.served().model().id().name()).isEqualTo(model);
    }
  }

  private List<String> loaded() {
    return registry.list().stream().map(m -> m.model().id().toString()).toList();
  }

  @AfterEach
  void closeRegistry() {
    registry.close();
  }

  @Test
  void acquire_beforeFirstRefresh_isUnavailable() {
    assertThat(registry.isReady()).isFalse();
    assertThatThrownBy(() -> registry.acquire("m", 0))
        .isInstanceOf(CatalogUnavailableException.class)
        .hasMessage("the model repository is still loading");
  }

  @Test
  void refresh_emptyRepository_becomesReadyWithNoModels() {
    registry.refresh();

    assertThat(registry.isReady()).isTrue();
    assertThat(registry.list()).isEmpty();
    assertThat(changes).containsExactly(List.of());
    assertThatThrownBy(() -> registry.acquire("m", 0))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("model \"m\" is not in the repository; the repository has no models");
  }

  @Test
  void acquire_latest_resolvesToHighestLoadedVersion() {
    replaceRegistry(policy("all"));
    TestBundles.publish(repository, "m", 1);
    TestBundles.publish(repository, "m", 2);
    registry.refresh();

    try (ModelLease lease = registry.acquire("m", 0)) {
      assertThat(lease.served().model().id().version()).isEqualTo(2);
    }
    assertThat(registry.versions("m")).containsExactly(1L, 2L);
  }

  @Test
  void refresh_corruptBundle_failedPreconditionWhileOtherVersionsServe() throws IOException {
    replaceRegistry(policy("all"));
    TestBundles.publish(repository, "m", 1);
    Bundle broken = TestBundles.publish(repository, "m", 2);
    Path decoder = broken.graphFile(GraphRole.DECODER);
    Files.write(decoder, new byte[] {1, 2, 3});

    registry.refresh();

    assertThatThrownBy(() -> registry.acquire("m", 2))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessage(
            "model m version 2 is in the repository but failed to load; served versions: [1]");
    try (ModelLease lease = registry.acquire("m", 0)) {
      assertThat(lease.served().model().id().version()).isEqualTo(1);
    }
  }

  @Test
  void refresh_versionRemovedWhileLeased_closesItOnlyWhenTheLeaseIsReleased() {
    replaceRegistry(policy("all"));
    TestBundles.publish(repository, "m", 1);
    TestBundles.publish(repository, "m", 2);
    registry.refresh();
    ModelLease lease = registry.acquire("m", 1);
    VaeModel model = lease.served().model();

    repository.delete("m", 1);
    registry.refresh();

    assertThatThrownBy(() -> registry.acquire("m", 1))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("model m has no version 1; served versions: [2]");
    FloatTensor x = FloatTensor.of(TestBundles.binaryImages(1, 3), 1, 784);
    assertThat(model.encode(x, true, 1, 0).layers()).hasSize(2);
    lease.close();
    assertThatThrownBy(() -> model.encode(x, true, 1, 0))
        .isInstanceOf(ModelUnavailableException.class);
    assertThat(changes.get(changes.size() - 1))
        .extracting(s -> s.model().id().toString())
        .containsExactly("m/2");
  }

  @Test
  void close_openModels_closesThemAndRefusesRequests() {
    TestBundles.publish(repository, "m", 1);
    registry.refresh();
    VaeModel model;
    try (ModelLease lease = registry.acquire("m", 1)) {
      model = lease.served().model();
    }

    registry.close();

    assertThatThrownBy(() -> model.sample(1, 0, false))
        .isInstanceOf(ModelUnavailableException.class);
    assertThatThrownBy(() -> registry.acquire("m", 1))
        .isInstanceOf(CatalogUnavailableException.class)
        .hasMessage("the server is shutting down");
  }

  @Test
  void refresh_latestOneBrokenNewest_keepsServingThePreviousVersion() throws IOException {
    TestBundles.publish(repository, "m", 1);
    registry.refresh();
    Bundle broken = TestBundles.publish(repository, "m", 2);
    Files.write(broken.graphFile(GraphRole.ENCODER), new byte[] {1, 2, 3});

    registry.refresh();

    assertThat(loaded()).containsExactly("m/1");
    assertThat(registry.statuses())
        .extracting(s -> s.id().toString() + " " + s.state())
        .containsExactly("m/1 LOADED", "m/2 FAILED");
  }

  @Test
  void refresh_policyFileChanges_loadsAndUnloadsToMatch() throws IOException {
    for (int v = 1; v <= 3; v++) {
      TestBundles.publish(repository, "m", v);
    }
    registry.refresh();
    assertThat(loaded()).containsExactly("m/3");

    Files.writeString(root.resolve("m").resolve(VersionPolicy.FILE_NAME), "latest 2\n");
    registry.refresh();
    assertThat(loaded()).containsExactly("m/2", "m/3");

    Files.writeString(root.resolve("m").resolve(VersionPolicy.FILE_NAME), "specific 1");
    registry.refresh();
    assertThat(loaded()).containsExactly("m/1");
    assertThatThrownBy(() -> registry.acquire("m", 3))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage(
            "model m version 3 exists in the repository but is not served under its version"
                + " policy `specific 1` (served versions: [1]); to serve it, write a policy such"
                + " as `all` or `specific 1 2` into the file version_policy in the model's folder"
                + " of the repository, or start the server with --version-policy");
    assertThat(events).contains("unload m/3 POLICY", "unload m/2 POLICY");
  }

  @Test
  void budget_fitsTwo_leastRecentlyUsedIdleVersionUnloads() throws IOException {
    for (String name : List.of("a", "b", "c")) {
      TestBundles.publish(repository, name, 1);
    }
    long each = graphBytes("a", 1);
    replaceRegistry(
        new RegistryConfig(VersionPolicy.DEFAULT, each * 5 / 2, Duration.ofSeconds(30)));
    registry.refresh();
    assertThat(loaded()).as("with a budget nothing loads before it is asked for").isEmpty();
    assertThat(registry.statuses())
        .extracting(ModelStatus::state)
        .containsOnly(ModelState.AVAILABLE);

    use("a");
    use("b");
    use("a");
    use("c");

    assertThat(loaded()).containsExactly("a/1", "c/1");
    assertThat(registry.loadedBytes()).isEqualTo(2 * each);
    assertThat(events)
        .containsExactly(
            "load a/1 REQUEST", "load b/1 REQUEST", "load c/1 REQUEST", "unload b/1 BUDGET");
  }

  @Test
  void budget_leasedVersionIsNotEvicted() throws IOException {
    for (String name : List.of("a", "b")) {
      TestBundles.publish(repository, name, 1);
    }
    long each = graphBytes("a", 1);
    replaceRegistry(
        new RegistryConfig(VersionPolicy.DEFAULT, each * 3 / 2, Duration.ofSeconds(30)));
    registry.refresh();

    try (ModelLease held = registry.acquire("a", 0)) {
      use("b");
      assertThat(loaded()).as("a has a call in flight: over budget until it ends").contains("a/1");
    }
    use("b");
    TestBundles.publish(repository, "c", 1);
    registry.refresh();
    use("c");

    assertThat(loaded()).containsExactly("c/1");
  }

  @Test
  void unload_thenRequest_loadsAgain() {
    TestBundles.publish(repository, "m", 1);
    registry.refresh();

    assertThat(registry.unload("m", 0)).containsExactly(new ModelId("m", 1));
    assertThat(registry.statuses())
        .extracting(ModelStatus::state)
        .containsExactly(ModelState.AVAILABLE);
    registry.refresh();
    assertThat(loaded()).as("a scan does not undo an operator's unload").isEmpty();

    use("m");
    assertThat(loaded()).containsExactly("m/1");
    assertThat(events).containsExactly("load m/1 SCAN", "unload m/1 OPERATOR", "load m/1 REQUEST");
  }
}
