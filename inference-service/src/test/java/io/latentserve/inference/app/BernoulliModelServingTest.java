package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.NoiseKind;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.LatentDistribution;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Prior;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.SampleResponse;
import io.latentserve.wire.TensorCodec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A sigmoid belief net (two Bernoulli layers, a learned prior) published as a real ONNX bundle and
 * served by the real inference server: GetModel names the families and the prior, every response
 * carries the bernoulli case with 0/1 samples, Sample draws from the learned logits, and LogProb
 * rejects each z that is not exactly 0 or 1 with INVALID_ARGUMENT naming the layer, the value and
 * its position, and keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BernoulliModelServingTest {
  private static final String MODEL = "sbn";
  private static final ModelRef REF = TestServer.ref(MODEL, 1);
  private static final VaeArchitecture SBN = VaeArchitecture.sigmoidBeliefNet(16, 6, 3);
  private static final int N = 4;

  @TempDir static Path repository;
  private TestServer server;

  @BeforeAll
  void startServer() {
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        MODEL,
        VaeWeights.random(SBN, 11),
        new Provenance("{}", "none", 11, 0, Map.of(), "test", Instant.EPOCH));
    server = TestServer.start(TestServer.config(repository).build()).awaitServing();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @Test
  void getModel_describesEveryLayersFamilyAndTheLearnedPrior() {
    ModelInfo info =
        server.inference().getModel(GetModelRequest.newBuilder().setModel(REF).build()).getModel();

    assertThat(info.getLatentLayersList())
        .extracting(l -> l.getName() + ":" + l.getDim() + ":" + l.getFamily())
        .containsExactly(
            "z1:6:" + LatentFamily.LATENT_FAMILY_BERNOULLI,
            "z2:3:" + LatentFamily.LATENT_FAMILY_BERNOULLI);
    assertThat(info.getPrior()).isEqualTo(Prior.PRIOR_LEARNED);
  }

  @Test
  void encode_sampled_returnsLogitsAndBinarySamplesDrawnFromLogisticNoise() {
    EncodeResponse r = encode(true, 5);

    assertThat(r.getLayersList())
        .extracting(LatentDistribution::getParamsCase)
        .containsOnly(LatentDistribution.ParamsCase.BERNOULLI);
    float[] logits = floats(r.getLayers(0).getBernoulli().getLogits());
    float[] z = floats(r.getLayers(0).getSample());
    assertThat(z).containsOnly(0f, 1f);
    float[] eps = new float[6];
    for (int i = 0; i < N; i++) {
      NoiseKind.LOGISTIC.fill(CounterNoise.rowKey(5, CounterNoise.Stream.LATENT, i), 0, eps, 0, 6);
      for (int c = 0; c < 6; c++) {
        // The comparison decides in logit space; only a tie within float32 rounding could differ.
        if (Math.abs(logits[i * 6 + c] + eps[c]) > 1e-4) {
          assertThat(z[i * 6 + c]).isEqualTo(logits[i * 6 + c] + eps[c] > 0 ? 1f : 0f);
        }
      }
    }
  }

  @Test
  void sample_returnsTheLearnedPriorsLogitsOnEveryRowWithBinaryDraws() {
    SampleResponse r =
        server
            .inference()
            .sample(SampleRequest.newBuilder().setModel(REF).setN(3).setSeed(9).build());

    assertThat(r.getPrior().getLayer()).isEqualTo("z2");
    assertThat(r.getPrior().getParamsCase()).isEqualTo(LatentDistribution.ParamsCase.BERNOULLI);
    float[] logits = floats(r.getPrior().getBernoulli().getLogits());
    assertThat(logits).hasSize(9);
    for (int i = 1; i < 3; i++) {
      for (int c = 0; c < 3; c++) {
        assertThat(logits[i * 3 + c]).isEqualTo(logits[c]);
      }
    }
    assertThat(floats(r.getPrior().getSample())).containsOnly(0f, 1f);
    assertThat(r.getIntermediateLayers(0).getParamsCase())
        .isEqualTo(LatentDistribution.ParamsCase.BERNOULLI);
    assertThat(floats(r.getIntermediateLayers(0).getSample())).containsOnly(0f, 1f);
  }

  @Test
  void logProb_encodersOwnSamples_returnsFiniteLogMasses() {
    LogProbResponse r = server.inference().logProb(goodLogProb().build());

    float[] logPz = floats(r.getLogPz());
    float[] logQz = floats(r.getLogQzGivenX());
    assertThat(logPz).hasSize(N);
    for (int i = 0; i < N; i++) {
      // log probability masses of binary vectors: finite and at most 0
      assertThat(logPz[i]).isFinite().isNegative();
      assertThat(logQz[i]).isFinite().isLessThanOrEqualTo(0f);
    }
  }

  static Stream<Arguments> badZ() {
    return Stream.of(
        Arguments.of(0, 3, 5, 0.5f, "z[0] (layer z1, bernoulli) must be 0 or 1, got 0.5 at [3, 5]"),
        Arguments.of(0, 0, 0, -1f, "z[0] (layer z1, bernoulli) must be 0 or 1, got -1.0 at [0, 0]"),
        Arguments.of(1, 2, 1, 2f, "z[1] (layer z2, bernoulli) must be 0 or 1, got 2.0 at [2, 1]"),
        Arguments.of(
            1,
            1,
            2,
            0.99999994f,
            "z[1] (layer z2, bernoulli) must be 0 or 1, got 0.99999994 at [1, 2]"));
  }

  @ParameterizedTest(name = "z[{0}][{1}, {2}] = {3}")
  @MethodSource("badZ")
  void logProb_bernoulliZNotExactlyZeroOrOne_invalidArgumentAndKeepsServing(
      int layer, int row, int unit, float value, String description) {
    LogProbRequest good = goodLogProb().build();
    int dim = layer == 0 ? 6 : 3;
    float[] z = floats(good.getZ(layer));
    z[row * dim + unit] = value;
    LogProbRequest bad =
        good.toBuilder().setZ(layer, TensorCodec.encode(FloatTensor.of(z, N, dim))).build();

    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> server.inference().logProb(bad));

    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo(description);
    assertThat(server.healthStatus("")).isEqualTo(ServingStatus.SERVING);
    assertThat(floats(server.inference().logProb(good).getLogPz())).hasSize(N);
  }

  private LogProbRequest.Builder goodLogProb() {
    EncodeResponse encoded = encode(true, 3);
    LogProbRequest.Builder b = LogProbRequest.newBuilder().setModel(REF).setX(x());
    encoded.getLayersList().forEach(l -> b.addZ(l.getSample()));
    return b;
  }

  private EncodeResponse encode(boolean sample, long seed) {
    return server
        .inference()
        .encode(
            EncodeRequest.newBuilder()
                .setModel(REF)
                .setX(x())
                .setSample(sample)
                .setSeed(seed)
                .build());
  }

  private static io.latentserve.proto.v1.Tensor x() {
    float[] x = new float[N * 16];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i * 7 + i / 16) % 3 == 0 ? 1f : 0f;
    }
    return TensorCodec.encode(FloatTensor.of(x, N, 16));
  }

  private static float[] floats(io.latentserve.proto.v1.Tensor t) {
    return TensorCodec.decode("t", t).data();
  }
}
