package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.DecodeRequest;
import io.latentserve.proto.v1.DecodeResponse;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.SampleResponse;
import io.latentserve.wire.TensorCodec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A Gaussian likelihood with learned variance sends its log variance to clients. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LearnedVarianceTest {
  private static final VaeArchitecture ARCHITECTURE =
      new VaeArchitecture(
          6,
          List.of(new StochasticLayer("z1", 2, List.of(5))),
          Activation.RELU,
          LikelihoodFamily.GAUSSIAN_LEARNED,
          0);

  @TempDir static Path repository;
  private TestServer server;

  @BeforeAll
  void startServer() {
    Provenance provenance =
        new Provenance("{}", "none", 3, 0, Map.of(), "test", Instant.parse("2026-01-02T03:04:05Z"));
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        "gaussian",
        VaeWeights.random(ARCHITECTURE, 3),
        provenance);
    VaeArchitecture floored = ARCHITECTURE.withLikelihoodMinVariance(1.0);
    VaeWeights same = VaeWeights.random(ARCHITECTURE, 3);
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        "gaussian-floored",
        new VaeWeights(floored, same.encoders(), same.decoders(), same.prior()),
        provenance);
    server = TestServer.start(TestServer.config(repository).build()).awaitServing();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @Test
  void decode_learnedVariance_returnsFiniteLogVarianceOfEveryFeature() {
    DecodeResponse r =
        server
            .inference()
            .decode(
                DecodeRequest.newBuilder()
                    .setModel(TestServer.ref("gaussian", 0))
                    .setZ(TensorCodec.encode(new float[] {0.5f, -1f, 2f, 0f, 0f, 0f}, 3, 2))
                    .build());

    assertThat(r.getXLogVariance().getShapeList()).containsExactly(3L, 6L);
    float[] logVariance = TensorCodec.decode("x_log_variance", r.getXLogVariance()).data();
    for (float v : logVariance) {
      assertThat(v).isFinite();
    }
  }

  /**
   * The floor recorded in the bundle is what serving applies: the same weights decode to the
   * unfloored log variance where it is above log 1 = 0 and to exactly 0 where it is below, and
   * GetModel reports the floor.
   */
  @Test
  void decode_varianceFloorInTheBundle_servedLogVarianceHeldAtItsLog() {
    float[] z = {0.5f, -1f, 2f, 0f, -3f, 1f};
    float[] raw = logVariance("gaussian", z);
    float[] held = logVariance("gaussian-floored", z);

    int bound = 0;
    for (int i = 0; i < raw.length; i++) {
      assertThat(held[i]).isEqualTo(Math.max(raw[i], 0f));
      bound += raw[i] < 0 ? 1 : 0;
    }
    assertThat(bound).as("features where the floor binds").isBetween(1, raw.length - 1);
    assertThat(
            server
                .inference()
                .getModel(
                    io.latentserve.proto.v1.GetModelRequest.newBuilder()
                        .setModel(TestServer.ref("gaussian-floored", 0))
                        .build())
                .getModel()
                .getLikelihoodMinVariance())
        .isEqualTo(1.0);
  }

  private float[] logVariance(String model, float[] z) {
    DecodeResponse r =
        server
            .inference()
            .decode(
                DecodeRequest.newBuilder()
                    .setModel(TestServer.ref(model, 0))
                    .setZ(TensorCodec.encode(z, 3, 2))
                    .build());
    return TensorCodec.decode("x_log_variance", r.getXLogVariance()).data();
  }

  @Test
  void sample_learnedVariance_returnsLogVarianceBesideTheMean() {
    SampleResponse r =
        server
            .inference()
            .sample(
                SampleRequest.newBuilder().setModel(TestServer.ref("gaussian", 0)).setN(4).build());

    assertThat(r.getXMean().getShapeList()).containsExactly(4L, 6L);
    assertThat(r.getXLogVariance().getShapeList()).containsExactly(4L, 6L);
  }
}
