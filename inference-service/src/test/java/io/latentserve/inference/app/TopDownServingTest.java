package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.model.TopDownLinearGaussian;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceStructure;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.wire.TensorCodec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle of HIT's top-down structure served end to end: GetModel names the structure and the
 * input shape, and ImportanceWeights, with the exact posterior of a two-layer linear-Gaussian model
 * as encoder, returns the closed-form log p(x) as every log weight.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TopDownServingTest {
  private static final TopDownLinearGaussian MODEL =
      new TopDownLinearGaussian(
          0.75, 0.5, 0.5, new double[] {1.0, -0.5, 0.25}, new double[] {0.25, 0, -0.5}, 0.5);

  @TempDir static Path repository;
  private TestServer server;

  @BeforeAll
  void startServer() {
    Provenance provenance =
        new Provenance("{}", "none", 3, 0, Map.of(), "test", Instant.parse("2026-01-02T03:04:05Z"));
    var exact = MODEL.exactWeights();
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        "hit",
        new io.latentserve.model.VaeWeights(
            exact.architecture().withInputShape(List.of(1, 1, 3)),
            exact.encoders(),
            exact.decoders(),
            exact.prior()),
        provenance);
    server = TestServer.start(TestServer.config(repository).build()).awaitServing();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @Test
  void getModel_topDown_namesTheStructureAndTheShape() {
    ModelInfo info =
        server
            .inference()
            .getModel(GetModelRequest.newBuilder().setModel(TestServer.ref("hit", 0)).build())
            .getModel();

    assertThat(info.getInferenceStructure())
        .isEqualTo(InferenceStructure.INFERENCE_STRUCTURE_TOP_DOWN);
    assertThat(info.getInputShapeList()).containsExactly(1L, 1L, 3L);
  }

  @Test
  void importanceWeights_exactPosterior_everyWeightIsTheExactMarginal() {
    float[] x = {0.5f, -1.25f, 2f, 1f, 0f, -0.5f};
    Iterator<ImportanceWeightsChunk> chunks =
        server
            .inference()
            .importanceWeights(
                ImportanceWeightsRequest.newBuilder()
                    .setModel(TestServer.ref("hit", 0))
                    .setX(TensorCodec.encode(x, 2, 3))
                    .setK(50)
                    .setSeed(9)
                    .build());
    int seen = 0;
    while (chunks.hasNext()) {
      ImportanceWeightsChunk chunk = chunks.next();
      float[] logW = TensorCodec.decode("log_weights", chunk.getLogWeights()).data();
      int k = (int) chunk.getLogWeights().getShape(1);
      for (int i = 0; i < 2; i++) {
        double exact = MODEL.logMarginal(new double[] {x[3 * i], x[3 * i + 1], x[3 * i + 2]});
        for (int s = 0; s < k; s++) {
          assertThat((double) logW[i * k + s]).isCloseTo(exact, within(1e-4));
          seen++;
        }
      }
    }
    assertThat(seen).isEqualTo(100);
  }
}
