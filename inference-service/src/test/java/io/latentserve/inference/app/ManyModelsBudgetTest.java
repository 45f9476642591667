package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.GraphRole;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.ListModelsResponse;
import io.latentserve.proto.v1.LoadModelRequest;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelState;
import io.latentserve.proto.v1.UnloadModelRequest;
import io.latentserve.wire.TensorCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 50 small models in a server whose memory budget fits 10: every model answers in turn, loaded on
 * its first request, and the least recently used ones leave memory.
 */
class ManyModelsBudgetTest {
  private static final int MODELS = 50;
  private static final int FIT = 10;

  /**
   * What the process may grow beyond the budget: the JVM's heap (each load parses the bundle and
   * allocates the request buffers) and allocator slack. Stated, not tuned: the accounted memory of
   * the loaded models is asserted to stay within the budget itself.
   */
  private static final long OVERHEAD_BYTES = 256L << 20;

  @TempDir Path root;

  private static String name(int i) {
    return String.format("sweep-%02d", i);
  }

  private static ListModelsResponse list(TestServer server) {
    return server.inference().listModels(ListModelsRequest.getDefaultInstance());
  }

  private static List<String> loaded(TestServer server) {
    return list(server).getModelsList().stream()
        .filter(m -> m.getState() == ModelState.MODEL_STATE_LOADED)
        .map(ModelInfo::getName)
        .toList();
  }

  private static long encode(TestServer server, String model) {
    return server
        .inference()
        .encode(
            EncodeRequest.newBuilder()
                .setModel(TestServer.ref(model, 0))
                .setX(TensorCodec.encode(TestBundles.binaryImages(1, 5), 1, 784))
                .build())
        .getModel()
        .getVersion();
  }

  /**
   * The size of one bundle's graph files: the least a loaded model is accounted at (more where the
   * process's resident memory grew more across its load), so a budget of 10.5 of them never holds
   * more than 10 models.
   */
  private static long graphBytes(Path root) throws IOException {
    long total = 0;
    Bundle b = new FileSystemModelRepository(root).open(name(0), 1);
    for (GraphRole role : GraphRole.values()) {
      total += Files.size(b.graphFile(role));
    }
    return total;
  }

  @Test
  void fiftyModels_budgetForTen_allAnswerInTurnWithinBudgetInLruOrder() throws IOException {
    FileSystemModelRepository repository = new FileSystemModelRepository(root);
    for (int i = 0; i < MODELS; i++) {
      TestBundles.publish(repository, name(i), i + 1);
    }
    long perModel = graphBytes(root);
    long budget = FIT * perModel + perModel / 2;
    ProcessMemory rss = new ProcessMemory();

    try (TestServer server =
        TestServer.start(TestServer.config(root).memoryBudgetBytes(budget).build())
            .awaitServing()) {
      assertThat(loaded(server)).as("a budget loads models on demand only").isEmpty();
      assertThat(list(server).getModelsCount()).isEqualTo(MODELS);
      long rssBefore = rss.residentBytes();
      long rssMost = rssBefore;
      List<String> order = new ArrayList<>();
      for (int i = 0; i < MODELS; i++) {
        assertThat(encode(server, name(i))).isEqualTo(1);
        order.add(name(i));
        ListModelsResponse now = list(server);
        assertThat(now.getLoadedBytes()).isLessThanOrEqualTo(budget);
        List<String> in = loaded(server);
        // LRU: what is loaded is always the most recently used models.
        assertThat(in)
            .containsExactlyInAnyOrderElementsOf(
                order.subList(order.size() - in.size(), order.size()));
        rssMost = Math.max(rssMost, rss.residentBytes());
      }
      List<String> last = loaded(server);
      System.out.printf(
          "budget %d bytes (%d per model's graphs): %d models loaded, %d bytes accounted%n",
          budget, perModel, last.size(), list(server).getLoadedBytes());
      assertThat(last.size()).isBetween(2, FIT);

      // Touch the oldest loaded model: the cold loads that follow evict the one after it first.
      String oldest = order.get(order.size() - last.size());
      String second = order.get(order.size() - last.size() + 1);
      encode(server, oldest);
      List<String> before = loaded(server);
      int next = 0;
      while (loaded(server).containsAll(before)) {
        encode(server, name(next++));
        assertThat(next).as("a cold load beyond the budget evicts a model").isLessThan(FIT);
      }
      assertThat(loaded(server)).contains(oldest).doesNotContain(second);
      int coldLoads = MODELS + next;

      assertThat(rssMost - rssBefore)
          .as("resident memory growth while serving 50 models, budget %d", budget)
          .isLessThanOrEqualTo(budget + OVERHEAD_BYTES);
      assertThat(server.server.metrics().scrape())
          .contains("latentserve_model_unloads_total{reason=\"budget\"}")
          .contains(
              "latentserve_model_load_seconds_count{trigger=\"request\"} " + coldLoads + "\n");

      server
          .inference()
          .unloadModel(UnloadModelRequest.newBuilder().setModel(TestServer.ref(oldest, 0)).build());
      assertThat(loaded(server)).doesNotContain(oldest);
      ModelInfo reloaded =
          server
              .inference()
              .loadModel(LoadModelRequest.newBuilder().setModel(TestServer.ref(oldest, 0)).build())
              .getModel();
      assertThat(reloaded.getState()).isEqualTo(ModelState.MODEL_STATE_LOADED);
      assertThat(reloaded.getMemoryBytes()).isGreaterThanOrEqualTo(perModel);
      assertThat(loaded(server)).contains(oldest);
    }
  }
}
