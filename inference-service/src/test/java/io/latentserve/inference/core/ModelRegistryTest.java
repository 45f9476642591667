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

  @BeforeEach
  void createRegistry() {
    repository = new FileSystemModelRepository(root);
    OnnxConfig cpu = new OnnxConfig(OnnxDevice.parse("cpu"), 1);
    registry =
        new ModelRegistry(
            repository,
            bundle -> OnnxVaeModels.open(bundle, cpu, ModelLimits.DEFAULT),
            changes::add);
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
        .hasMessage("model \"m\" is not loaded; no models are loaded");
  }

  @Test
  void acquire_latest_resolvesToHighestLoadedVersion() {
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
    TestBundles.publish(repository, "m", 1);
    Bundle broken = TestBundles.publish(repository, "m", 2);
    Path decoder = broken.graphFile(GraphRole.DECODER);
    Files.write(decoder, new byte[] {1, 2, 3});

    registry.refresh();

    assertThatThrownBy(() -> registry.acquire("m", 2))
        .isInstanceOf(FailedPreconditionException.class)
        .hasMessage(
            "model m version 2 is in the repository but failed to load; loaded versions: [1]");
    try (ModelLease lease = registry.acquire("m", 0)) {
      assertThat(lease.served().model().id().version()).isEqualTo(1);
    }
  }

  @Test
  void refresh_versionRemovedWhileLeased_closesItOnlyWhenTheLeaseIsReleased() {
    TestBundles.publish(repository, "m", 1);
    TestBundles.publish(repository, "m", 2);
    registry.refresh();
    ModelLease lease = registry.acquire("m", 1);
    VaeModel model = lease.served().model();

    repository.delete("m", 1);
    registry.refresh();

    assertThatThrownBy(() -> registry.acquire("m", 1))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("model m has no version 1; loaded versions: [2]");
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
}
