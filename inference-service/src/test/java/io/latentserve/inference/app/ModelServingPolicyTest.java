package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.inference.core.ModelLease;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.inference.core.VersionPolicy;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelState;
import io.latentserve.wire.TensorCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version policies under a running server: versions published and removed while it polls the
 * repository, each policy's served set following them.
 */
class ModelServingPolicyTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String MODEL = "mnist-vae";

  @TempDir Path root;
  private FileSystemModelRepository repository;
  private TestServer server;

  @BeforeEach
  void createRepository() {
    repository = new FileSystemModelRepository(root);
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private void start(InferenceConfig.Builder config) {
    server = TestServer.start(config.build()).awaitServing();
  }

  private void writePolicy(String policy) throws IOException {
    Files.writeString(root.resolve(MODEL).resolve(VersionPolicy.FILE_NAME), policy);
  }

  /** "version state" of every version ListModels lists. */
  private List<String> listed() {
    return server
        .inference()
        .listModels(ListModelsRequest.getDefaultInstance())
        .getModelsList()
        .stream()
        .map(m -> m.getVersion() + " " + m.getState().name().replace("MODEL_STATE_", ""))
        .toList();
  }

  private void awaitListed(String... expected) {
    List<String> want = List.of(expected);
    TestServer.awaitCondition(WAIT, "ListModels to show " + want, () -> listed().equals(want));
  }

  private long encodeVersion(long version) {
    return server
        .inference()
        .encode(
            EncodeRequest.newBuilder()
                .setModel(TestServer.ref(MODEL, version))
                .setX(TensorCodec.encode(TestBundles.binaryImages(1, 5), 1, 784))
                .build())
        .getModel()
        .getVersion();
  }

  private void assertNotServed(long version, String policy, String served) {
    assertThatThrownBy(() -> encodeVersion(version))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription())
                  .startsWith(
                      "model "
                          + MODEL
                          + " version "
                          + version
                          + " exists in the repository but is not served under its version"
                          + " policy `"
                          + policy
                          + "` (served versions: "
                          + served
                          + "); to serve it, write a policy such as `all`");
            });
  }

  @Test
  void latestOne_byDefault_followsPublishAndRemove() {
    TestBundles.publish(repository, MODEL, 1);
    start(TestServer.config(root));
    awaitListed("1 LOADED");

    TestBundles.publish(repository, MODEL, 2);
    awaitListed("2 LOADED");
    assertThat(encodeVersion(0)).isEqualTo(2);
    assertNotServed(1, "latest 1", "[2]");

    repository.delete(MODEL, 2);
    awaitListed("1 LOADED");
    assertThat(encodeVersion(0)).isEqualTo(1);
  }

  @Test
  void latestTwo_fromTheRepositoryFile_servesTheTwoHighest() throws IOException {
    TestBundles.publish(repository, MODEL, 1);
    writePolicy("latest 2\n");
    start(TestServer.config(root));
    awaitListed("1 LOADED");

    TestBundles.publish(repository, MODEL, 2);
    TestBundles.publish(repository, MODEL, 3);
    awaitListed("2 LOADED", "3 LOADED");
    assertNotServed(1, "latest 2", "[2, 3]");
    assertThat(encodeVersion(2)).isEqualTo(2);

    repository.delete(MODEL, 3);
    awaitListed("1 LOADED", "2 LOADED");
    assertThat(encodeVersion(1)).isEqualTo(1);
  }

  @Test
  void all_fromTheServerConfig_servesEveryVersion() {
    TestBundles.publish(repository, MODEL, 1);
    TestBundles.publish(repository, MODEL, 2);
    start(TestServer.config(root).versionPolicy("all"));
    awaitListed("1 LOADED", "2 LOADED");

    TestBundles.publish(repository, MODEL, 3);
    awaitListed("1 LOADED", "2 LOADED", "3 LOADED");
    repository.delete(MODEL, 2);
    awaitListed("1 LOADED", "3 LOADED");
    assertThat(encodeVersion(1)).isEqualTo(1);
  }

  @Test
  void specific_fileWinsOverTheServerConfig_servesExactlyTheListedVersions() throws IOException {
    for (int v = 1; v <= 3; v++) {
      TestBundles.publish(repository, MODEL, v);
    }
    writePolicy("specific 1 3");
    start(TestServer.config(root).versionPolicy("latest 1"));
    awaitListed("1 LOADED", "3 LOADED");
    assertNotServed(2, "specific 1 3", "[1, 3]");

    TestBundles.publish(repository, MODEL, 4);
    repository.delete(MODEL, 3);
    awaitListed("1 LOADED");
    assertNotServed(4, "specific 1 3", "[1]");
    assertThat(encodeVersion(0)).isEqualTo(1);
  }

  @Test
  void unloadByPolicy_streamInFlight_completesOnTheOldVersionThenItCloses() {
    TestBundles.publish(repository, MODEL, 1);
    start(TestServer.config(root));
    VaeModel old;
    try (ModelLease lease = server.server.models().acquire(MODEL, 1)) {
      old = lease.served().model();
    }
    Iterator<ImportanceWeightsChunk> stream =
        server
            .inference()
            .importanceWeights(
                ImportanceWeightsRequest.newBuilder()
                    .setModel(TestServer.ref(MODEL, 1))
                    .setX(TensorCodec.encode(TestBundles.binaryImages(2, 1), 2, 784))
                    .setK(200)
                    .setChunkSize(10)
                    .build());
    assertThat(stream.next().getSampleOffset()).isZero();

    TestBundles.publish(repository, MODEL, 2);
    awaitListed("2 LOADED");
    int chunks = 1;
    while (stream.hasNext()) {
      stream.next();
      chunks++;
    }

    assertThat(chunks).isEqualTo(20);
    assertThatThrownBy(() -> old.sample(1, 0, false)).isInstanceOf(ModelUnavailableException.class);
    assertThat(server.server.metrics().scrape())
        .contains("latentserve_model_unloads_total{reason=\"policy\"} 1.0");
  }

  @Test
  void listModels_reportsStateAndMemoryOfEveryServedVersion() {
    TestBundles.publish(repository, MODEL, 1);
    start(TestServer.config(root));
    awaitListed("1 LOADED");

    ModelInfo info =
        server.inference().listModels(ListModelsRequest.getDefaultInstance()).getModels(0);

    assertThat(info.getDevice()).isEqualTo("cpu");
    assertThat(info.getMemoryBytes()).isPositive();
    assertThat(info.getState()).isEqualTo(ModelState.MODEL_STATE_LOADED);
    assertThat(info.getLatentLayersCount()).isEqualTo(2);
  }
}
