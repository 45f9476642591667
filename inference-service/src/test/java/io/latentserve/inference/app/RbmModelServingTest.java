package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LogPartition;
import io.latentserve.model.Prior;
import io.latentserve.model.Rbm;
import io.latentserve.model.RbmGibbs;
import io.latentserve.model.RbmPartition;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
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

/**
 * A one-layer binary model with an RBM prior (random parameters, exact log Z) served by the real
 * inference server: GetModel describes the RBM and its log Z, LogProb's log p(z) is -E(z) - log Z,
 * Sample draws by seeded Gibbs sweeps (the same draws as {@link RbmGibbs} with the request's seed),
 * and bad gibbs_sweeps values are refused with the field, the range and the value.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbmModelServingTest {
  private static final String MODEL = "dvae";
  private static final ModelRef REF = TestServer.ref(MODEL, 1);
  private static final ModelRef PLAIN = TestServer.ref("sbn", 1);
  private static final VaeArchitecture ARCHITECTURE =
      VaeArchitecture.sigmoidBeliefNet(16, 10).withPrior(Prior.RBM);
  private static final int N = 4;

  @TempDir static Path repository;
  private TestServer server;
  private VaeWeights weights;

  @BeforeAll
  void startServer() {
    VaeWeights random = VaeWeights.random(ARCHITECTURE, 11);
    Rbm rbm = Rbm.random(5, 5, 1.0, 3);
    weights = random.withRbm(rbm).withLogPartition(RbmPartition.exact(rbm));
    Provenance provenance = new Provenance("{}", "none", 11, 0, Map.of(), "test", Instant.EPOCH);
    FileSystemModelRepository repo = new FileSystemModelRepository(repository);
    VaeBundles.publish(repo, MODEL, weights, provenance);
    VaeBundles.publish(
        repo, "sbn", VaeWeights.random(VaeArchitecture.sigmoidBeliefNet(16, 10), 1), provenance);
    server = TestServer.start(TestServer.config(repository).build()).awaitServing();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @Test
  void getModel_describesTheRbmPriorWithItsLogZ() {
    ModelInfo info =
        server.inference().getModel(GetModelRequest.newBuilder().setModel(REF).build()).getModel();

    assertThat(info.getPrior()).isEqualTo(io.latentserve.proto.v1.Prior.PRIOR_RBM);
    assertThat(info.getRbmPrior().getN1()).isEqualTo(5);
    assertThat(info.getRbmPrior().getN2()).isEqualTo(5);
    assertThat(info.getRbmPrior().getLogZ()).isEqualTo(weights.logPartition().logZ());
    assertThat(info.getRbmPrior().getLogZStandardError()).isZero();
    assertThat(info.getRbmPrior().getLogZMethod()).isEqualTo(LogPartition.EXACT);
    assertThat(
            server
                .inference()
                .getModel(GetModelRequest.newBuilder().setModel(PLAIN).build())
                .getModel()
                .hasRbmPrior())
        .isFalse();
  }

  @Test
  void logProb_logPzIsMinusEnergyMinusLogZ_asTheReference() {
    float[] z = new float[N * 10];
    for (int i = 0; i < z.length; i++) {
      z[i] = (i * 5 + i / 10) % 3 == 0 ? 1f : 0f;
    }
    FloatTensor x = x();
    LogProbResponse r =
        server
            .inference()
            .logProb(
                LogProbRequest.newBuilder()
                    .setModel(REF)
                    .setX(TensorCodec.encode(x))
                    .addZ(TensorCodec.encode(FloatTensor.of(z, N, 10)))
                    .build());

    float[] logPz = TensorCodec.decode("t", r.getLogPz()).data();
    ReferenceVae.LogJoint reference =
        new ReferenceVae(weights).logJoint(x, List.of(FloatTensor.of(z, N, 10)));
    double[] energies = weights.rbm().energy(z, N);
    for (int i = 0; i < N; i++) {
      assertThat((double) logPz[i]).isCloseTo(reference.logPz()[i], within(1e-4));
      assertThat((double) logPz[i])
          .isCloseTo(-energies[i] - weights.logPartition().logZ(), within(1e-4));
    }
  }

  @Test
  void sample_drawsBySeededGibbsSweeps_sameOnEveryCall() {
    SampleResponse r = sample(6, 21, 7);

    assertThat(r.getGibbsSweeps()).isEqualTo(7);
    float[] draws = TensorCodec.decode("t", r.getPrior().getSample()).data();
    assertThat(draws).isEqualTo(new RbmGibbs(weights.rbm()).sample(21, 0, 6, 7));
    assertThat(TensorCodec.decode("t", r.getPrior().getBernoulli().getLogits()).data())
        .isEqualTo(weights.rbm().conditionalLogits(draws, 6));
    assertThat(TensorCodec.decode("t", r.getXMean()).shape()).containsExactly(6L, 16L);
    assertThat(sample(6, 21, 7)).isEqualTo(r);
    assertThat(sample(2, 21, 0).getGibbsSweeps()).isEqualTo(100);
  }

  @Test
  void sample_gibbsSweepsOutOfRange_invalidArgumentNamingTheField() {
    assertStatus(
        () -> sample(2, 1, 10_001),
        Status.Code.INVALID_ARGUMENT,
        "gibbs_sweeps must be in [1, 10000] (0 for the default 100), got 10001");
    assertStatus(
        () -> sample(2, 1, -3),
        Status.Code.INVALID_ARGUMENT,
        "gibbs_sweeps must be in [1, 10000] (0 for the default 100), got -3");
  }

  @Test
  void sample_gibbsSweepsForAnotherPrior_invalidArgument() {
    assertStatus(
        () ->
            server
                .inference()
                .sample(
                    SampleRequest.newBuilder().setModel(PLAIN).setN(2).setGibbsSweeps(5).build()),
        Status.Code.INVALID_ARGUMENT,
        "gibbs_sweeps applies to models with the rbm prior only; sbn/1 has the learned prior,"
            + " got gibbs_sweeps 5");
  }

  private SampleResponse sample(int n, long seed, int sweeps) {
    return server
        .inference()
        .sample(
            SampleRequest.newBuilder()
                .setModel(REF)
                .setN(n)
                .setSeed(seed)
                .setGibbsSweeps(sweeps)
                .build());
  }

  private void assertStatus(Runnable call, Status.Code code, String description) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(e.getStatus().getDescription()).isEqualTo(description);
  }

  private static FloatTensor x() {
    float[] x = new float[N * 16];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i * 7 + i / 16) % 3 == 0 ? 1f : 0f;
    }
    return FloatTensor.of(x, N, 16);
  }
}
