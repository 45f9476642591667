package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.inference.core.LogWeightsChunk;
import io.latentserve.inference.core.ModelLease;
import io.latentserve.inference.core.ModelUnavailableException;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.DecodeRequest;
import io.latentserve.proto.v1.DecodeResponse;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.GetModelResponse;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.LatentDistribution;
import io.latentserve.proto.v1.LatentFamily;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.ListModelsResponse;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.SampleResponse;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.wire.TensorCodec;
import io.micrometer.core.instrument.Counter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The happy paths of every RPC, against the real service over a real repository. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InferenceServerTest {
  private static final String MODEL = "mnist-vae";
  private static final ModelRef V1 = TestServer.ref(MODEL, 1);
  private static final int D = 784;

  @TempDir static Path repository;
  private static FileSystemModelRepository repo;
  private TestServer server;

  @BeforeAll
  void startServer() {
    repo = new FileSystemModelRepository(repository);
    TestBundles.publish(repo, MODEL, 1);
    TestBundles.publish(repo, "other-vae", 2);
    server = TestServer.start(TestServer.config(repository).build()).awaitServing();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @Test
  void listModels_twoModels_listsEachVersionSortedByName() {
    ListModelsResponse response =
        server.inference().listModels(ListModelsRequest.getDefaultInstance());

    assertThat(response.getModelsList())
        .extracting(ModelInfo::getName, ModelInfo::getVersion)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(MODEL, 1L),
            org.assertj.core.groups.Tuple.tuple("other-vae", 1L));
  }

  @Test
  void getModel_latest_describesShapesFamiliesProvenanceAndCpuDevice() {
    GetModelResponse response =
        server
            .inference()
            .getModel(GetModelRequest.newBuilder().setModel(TestServer.ref(MODEL, 0)).build());

    ModelInfo info = response.getModel();
    assertThat(info.getVersion()).isEqualTo(1);
    assertThat(info.getDevice()).isEqualTo("cpu");
    assertThat(info.getInputShapeList()).containsExactly((long) D);
    assertThat(info.getLikelihood()).isEqualTo(Likelihood.LIKELIHOOD_BERNOULLI);
    assertThat(info.getLatentLayersList())
        .extracting(l -> l.getName() + ":" + l.getDim() + ":" + l.getFamily())
        .containsExactly(
            "z1:8:" + LatentFamily.LATENT_FAMILY_GAUSSIAN,
            "z2:4:" + LatentFamily.LATENT_FAMILY_GAUSSIAN);
    assertThat(info.getProvenance().getSeed()).isEqualTo(1);
    assertThat(info.getProvenance().getFinalMetricsMap()).containsEntry("train_elbo", -543.25);
    assertThat(info.getManifestSha256()).matches("[0-9a-f]{64}");
    assertThat(response.getLoadedVersionsList()).containsExactly(1L);
  }

  @Test
  void encode_sampled_returnsEveryLayerWithSamples() {
    EncodeResponse r = encode(3, true, 17, 0);

    assertThat(r.getModel()).isEqualTo(V1);
    assertThat(r.getLayersList())
        .extracting(LatentDistribution::getLayer)
        .containsExactly("z1", "z2");
    assertThat(r.getLayers(0).getGaussian().getMean().getShapeList()).containsExactly(3L, 8L);
    assertThat(r.getLayers(1).getGaussian().getLogVariance().getShapeList())
        .containsExactly(3L, 4L);
    assertThat(r.getLayers(1).getSample().getShapeList()).containsExactly(3L, 4L);
  }

  @Test
  void encode_sameSeed_returnsSameNumbers_otherSeedDiffers() {
    EncodeResponse a = encode(3, true, 17, 0);
    EncodeResponse b = encode(3, true, 17, 0);
    EncodeResponse c = encode(3, true, 18, 0);

    assertThat(a).isEqualTo(b);
    assertThat(floats(c.getLayers(0).getSample())).isNotEqualTo(floats(a.getLayers(0).getSample()));
    assertThat(floats(c.getLayers(0).getGaussian().getMean()))
        .isEqualTo(floats(a.getLayers(0).getGaussian().getMean()));
  }

  @Test
  void encode_withoutSample_omitsSamples() {
    EncodeResponse r = encode(2, false, 0, 0);

    assertThat(r.getLayersList()).allMatch(l -> !l.hasSample());
  }

  @Test
  void decode_sampled_returnsMeanSampleAndIntermediateLayer() {
    DecodeResponse r =
        server
            .inference()
            .decode(
                DecodeRequest.newBuilder()
                    .setModel(V1)
                    .setZ(TensorCodec.encode(new float[] {0.5f, -1f, 0f, 2f, 1f, 1f, 1f, 1f}, 2, 4))
                    .setSample(true)
                    .setSeed(5)
                    .build());

    assertThat(r.getXMean().getShapeList()).containsExactly(2L, (long) D);
    assertThat(values(r.getXMean())).allMatch(p -> p > 0 && p < 1);
    assertThat(values(r.getXSample())).allMatch(v -> v == 0f || v == 1f);
    assertThat(r.getIntermediateLayersList())
        .extracting(LatentDistribution::getLayer)
        .containsExactly("z1");
  }

  @Test
  void sample_sameSeed_returnsSameDraws() {
    SampleRequest request =
        SampleRequest.newBuilder().setModel(V1).setN(4).setSeed(99).setSampleX(true).build();

    SampleResponse a = server.inference().sample(request);
    SampleResponse b = server.inference().sample(request);

    assertThat(a.getPrior().getSample().getShapeList()).containsExactly(4L, 4L);
    assertThat(a.getXMean().getShapeList()).containsExactly(4L, (long) D);
    assertThat(a.getXSample().getShapeList()).containsExactly(4L, (long) D);
    assertThat(a).isEqualTo(b);
  }

  @Test
  void logProb_encodedSamples_returnsFiniteTermsPerRowAndLayer() {
    EncodeResponse enc = encode(3, true, 4, 0);

    LogProbResponse r =
        server
            .inference()
            .logProb(
                LogProbRequest.newBuilder()
                    .setModel(V1)
                    .setX(x(3))
                    .addZ(enc.getLayers(0).getSample())
                    .addZ(enc.getLayers(1).getSample())
                    .build());

    assertThat(r.getLogPxGivenZ().getShapeList()).containsExactly(3L);
    // 784 Bernoulli pixels: log p(x|z) is a large negative number of nats.
    assertThat(values(r.getLogPxGivenZ())).allMatch(v -> v < -100 && Float.isFinite(v));
    assertThat(values(r.getLogQzGivenX())).allMatch(Float::isFinite);
    assertThat(r.getLayersList()).hasSize(2);
    float[] pz = floats(r.getLogPz());
    float[] perLayer0 = floats(r.getLayers(0).getLogPrior());
    float[] perLayer1 = floats(r.getLayers(1).getLogPrior());
    for (int i = 0; i < 3; i++) {
      assertThat(pz[i]).isCloseTo(perLayer0[i] + perLayer1[i], within(1e-3f));
    }
  }

  @Test
  void importanceWeights_k5000_streamsChunksThatConcatenateToTheDirectCoreCall() {
    int rows = 3;
    int k = 5000;
    ImportanceWeightsRequest request =
        ImportanceWeightsRequest.newBuilder()
            .setModel(V1)
            .setX(x(rows))
            .setK(k)
            .setSeed(2024)
            .setFirstRow(10)
            .setChunkSize(1000)
            .build();

    List<ImportanceWeightsChunk> chunks = new ArrayList<>();
    server.inference().importanceWeights(request).forEachRemaining(chunks::add);

    assertThat(chunks).hasSize(5);
    assertThat(chunks)
        .extracting(ImportanceWeightsChunk::getSampleOffset)
        .containsExactly(0, 1000, 2000, 3000, 4000);
    float[] streamed = concatenate(chunks, rows, k);
    try (ModelLease lease = server.server.models().acquire(MODEL, 1)) {
      FloatTensor x = FloatTensor.of(TestBundles.binaryImages(rows, 11), rows, D);
      LogWeightsChunk direct = lease.served().model().importanceWeights(x, 0, k, 2024, 10, false);
      float[] expected = direct.logWeights().data();
      assertThat(direct.logWeights().shape()).containsExactly(rows, k);
      for (int i = 0; i < expected.length; i++) {
        // Different chunk sizes may round differently inside ONNX Runtime; the noise is identical.
        assertThat(streamed[i])
            .isCloseTo(expected[i], within(1e-3f + 1e-5f * Math.abs(expected[i])));
      }
    }
  }

  @Test
  void importanceWeights_defaultChunking_sameSeedSameWeightsAndComponentsAddUp() {
    ImportanceWeightsRequest request =
        ImportanceWeightsRequest.newBuilder()
            .setModel(V1)
            .setX(x(2))
            .setK(50)
            .setSeed(7)
            .setIncludeComponents(true)
            .build();

    List<ImportanceWeightsChunk> a = new ArrayList<>();
    server.inference().importanceWeights(request).forEachRemaining(a::add);
    List<ImportanceWeightsChunk> b = new ArrayList<>();
    server.inference().importanceWeights(request).forEachRemaining(b::add);

    assertThat(a).isEqualTo(b).hasSize(1);
    ImportanceWeightsChunk c = a.get(0);
    float[] w = floats(c.getLogWeights());
    float[] px = floats(c.getLogPxGivenZ());
    float[] pz = floats(c.getLogPz());
    float[] qz = floats(c.getLogQzGivenX());
    for (int i = 0; i < w.length; i++) {
      assertThat(w[i]).isCloseTo(px[i] + pz[i] - qz[i], within(1e-2f));
    }
  }

  @Test
  void importanceWeights_clientCancels_serverStopsAndReleasesTheModel() throws Exception {
    FileSystemModelRepository r = new FileSystemModelRepository(repository);
    TestBundles.publish(r, "cancel-vae", 3);
    server.server.models().refresh();
    VaeModel model;
    try (ModelLease lease = server.server.models().acquire("cancel-vae", 1)) {
      model = lease.served().model();
    }
    ImportanceWeightsRequest request =
        ImportanceWeightsRequest.newBuilder()
            .setModel(TestServer.ref("cancel-vae", 1))
            .setX(x(2))
            .setK(5000)
            .setChunkSize(10)
            .build();

    double sentBefore = chunksSent();
    Context.CancellableContext call = Context.current().withCancellation();
    ImportanceWeightsChunk first =
        call.call(
            () -> {
              Iterator<ImportanceWeightsChunk> it = server.inference().importanceWeights(request);
              return it.next();
            });
    call.cancel(null);
    r.delete("cancel-vae", 1);
    server.server.models().refresh();

    assertThat(first.getSampleOffset()).isZero();
    // The version is unloaded; it closes once the cancelled stream has released its lease.
    TestServer.awaitCondition(
        Duration.ofSeconds(30),
        "the cancelled stream to release cancel-vae/1",
        () -> {
          try {
            model.sample(1, 0, false);
            return false;
          } catch (ModelUnavailableException e) {
            return true;
          }
        });
    assertThat(chunksSent() - sentBefore).as("chunks sent of 500").isBetween(1.0, 10.0);
    assertThatThrownBy(
            () ->
                server
                    .inference()
                    .getModel(
                        GetModelRequest.newBuilder()
                            .setModel(TestServer.ref("cancel-vae", 1))
                            .build()))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  /** ImportanceWeights messages the server has sent, from the gRPC metrics interceptor. */
  private double chunksSent() {
    Counter sent =
        server
            .server
            .metrics()
            .registry()
            .find("grpc.server.responses.sent")
            .tag("method", "ImportanceWeights")
            .counter();
    return sent == null ? 0 : sent.count();
  }

  private EncodeResponse encode(int rows, boolean sample, long seed, long firstRow) {
    return server
        .inference()
        .encode(
            EncodeRequest.newBuilder()
                .setModel(V1)
                .setX(x(rows))
                .setSample(sample)
                .setSeed(seed)
                .setFirstRow(firstRow)
                .build());
  }

  private static Tensor x(int rows) {
    return TensorCodec.encode(TestBundles.binaryImages(rows, 11), rows, D);
  }

  private static float[] floats(Tensor t) {
    return TensorCodec.decode("t", t).data();
  }

  private static List<Float> values(Tensor t) {
    List<Float> list = new ArrayList<>();
    for (float v : floats(t)) {
      list.add(v);
    }
    return list;
  }

  private static float[] concatenate(List<ImportanceWeightsChunk> chunks, int rows, int k) {
    float[] all = new float[rows * k];
    for (ImportanceWeightsChunk c : chunks) {
      FloatTensor w = TensorCodec.decode("log_weights", c.getLogWeights());
      int count = (int) w.dim(1);
      assertThat(w.dim(0)).isEqualTo(rows);
      for (int i = 0; i < rows; i++) {
        System.arraycopy(w.data(), i * count, all, i * k + c.getSampleOffset(), count);
      }
    }
    return all;
  }
}
