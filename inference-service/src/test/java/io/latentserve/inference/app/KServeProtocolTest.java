package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import inference.GRPCInferenceServiceGrpc;
import inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.InferTensorContents;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferRequest.InferInputTensor;
import inference.GrpcPredictV2.ModelInferRequest.InferRequestedOutputTensor;
import inference.GrpcPredictV2.ModelInferResponse;
import inference.GrpcPredictV2.ModelMetadataRequest;
import inference.GrpcPredictV2.ModelMetadataResponse;
import inference.GrpcPredictV2.ModelMetadataResponse.TensorMetadata;
import inference.GrpcPredictV2.ModelReadyRequest;
import inference.GrpcPredictV2.ServerLiveRequest;
import inference.GrpcPredictV2.ServerMetadataRequest;
import inference.GrpcPredictV2.ServerReadyRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.wire.TensorCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Open Inference Protocol v2 ({@code inference.GRPCInferenceService}) on the real server over a
 * real repository: metadata from the model's architecture, ModelInfer results bit-identical to the
 * latentserve.v1 RPCs for the same input and seed, and a precise status for every bad request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KServeProtocolTest {
  private static final String MODEL = "mnist-vae";
  private static final int D = 784;
  private static final long SEED = 77;
  private static final int ROWS = 3;

  @TempDir static Path repository;
  private TestServer server;

  @BeforeAll
  void startServer() {
    FileSystemModelRepository repo = new FileSystemModelRepository(repository);
    TestBundles.publish(repo, MODEL, 1);
    TestBundles.publish(repo, MODEL, 2);
    // Both versions served, so that model_version can pick either.
    server =
        TestServer.start(TestServer.config(repository).maxK(100).versionPolicy("all").build())
            .awaitServing();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  private GRPCInferenceServiceBlockingStub kserve() {
    return GRPCInferenceServiceGrpc.newBlockingStub(server.channel)
        .withDeadlineAfter(TestServer.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  void serverLiveAndReady_loadedRepository_areTrue() {
    assertThat(kserve().serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(kserve().serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(kserve().serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName())
        .isEqualTo("latentserve");
  }

  @Test
  void modelReady_servedAndUnknown_answerTrueAndFalse() {
    assertThat(ready(MODEL + ".encode", "")).isTrue();
    assertThat(ready(MODEL + ".importance_weights", "2")).isTrue();
    assertThat(ready(MODEL + ".encode", "9")).isFalse();
    assertThat(ready("no-such-model.encode", "")).isFalse();
  }

  private boolean ready(String name, String version) {
    return kserve()
        .modelReady(ModelReadyRequest.newBuilder().setName(name).setVersion(version).build())
        .getReady();
  }

  @Test
  void modelMetadata_eachGraph_describesItsInputsAndOutputs() {
    ModelMetadataResponse encode = metadata(MODEL + ".encode");
    assertThat(encode.getVersionsList()).containsExactly("1", "2");
    assertThat(names(encode.getInputsList())).containsExactly("x");
    assertThat(encode.getInputs(0).getShapeList()).containsExactly(-1L, (long) D);
    assertThat(encode.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(names(encode.getOutputsList()))
        .containsExactly("z1_mean", "z1_logvar", "z1_sample", "z2_mean", "z2_logvar", "z2_sample");
    assertThat(encode.getOutputs(3).getShapeList()).containsExactly(-1L, 4L);

    assertThat(names(metadata(MODEL + ".decode").getInputsList())).containsExactly("z");
    assertThat(metadata(MODEL + ".decode").getInputs(0).getShapeList()).containsExactly(-1L, 4L);
    assertThat(names(metadata(MODEL + ".log_prob").getInputsList()))
        .containsExactly("x", "z1", "z2");
    assertThat(names(metadata(MODEL + ".log_prob").getOutputsList()))
        .containsExactly(
            "log_px_given_z",
            "log_pz",
            "log_qz_given_x",
            "z1_log_prior",
            "z1_log_posterior",
            "z2_log_prior",
            "z2_log_posterior");
    assertThat(metadata(MODEL + ".importance_weights").getOutputs(0).getName())
        .isEqualTo("log_weights");
  }

  private ModelMetadataResponse metadata(String name) {
    return kserve().modelMetadata(ModelMetadataRequest.newBuilder().setName(name).build());
  }

  private static List<String> names(List<TensorMetadata> tensors) {
    return tensors.stream().map(TensorMetadata::getName).toList();
  }

  @Test
  void modelInfer_encodeRawAndTyped_equalV1EncodeBitForBit() {
    float[] pixels = TestBundles.binaryImages(ROWS, 5);
    EncodeResponse v1 =
        server
            .inference()
            .encode(
                EncodeRequest.newBuilder()
                    .setModel(TestServer.ref(MODEL, 1))
                    .setX(TensorCodec.encode(pixels, ROWS, D))
                    .setSample(true)
                    .setSeed(SEED)
                    .build());
    ModelInferRequest.Builder raw =
        infer(MODEL + ".encode", "1")
            .addInputs(input("x", ROWS, D))
            .addRawInputContents(bytes(pixels))
            .putParameters("seed", int64(SEED))
            .putParameters("sample", InferParameter.newBuilder().setBoolParam(true).build());
    ModelInferRequest.Builder typed = raw.clone().clearRawInputContents();
    typed.getInputsBuilder(0).setContents(fp32(pixels));

    for (ModelInferRequest request : List.of(raw.build(), typed.build())) {
      ModelInferResponse response = kserve().modelInfer(request);
      assertThat(response.getModelVersion()).isEqualTo("1");
      assertThat(response.getId()).isEqualTo("req-1");
      assertThat(output(response, "z1_mean"))
          .isEqualTo(decode(v1.getLayers(0).getGaussian().getMean()));
      assertThat(output(response, "z1_logvar"))
          .isEqualTo(decode(v1.getLayers(0).getGaussian().getLogVariance()));
      assertThat(output(response, "z2_sample")).isEqualTo(decode(v1.getLayers(1).getSample()));
    }
  }

  @Test
  void modelInfer_logProbAndImportanceWeights_equalV1BitForBit() {
    float[] pixels = TestBundles.binaryImages(ROWS, 6);
    Tensor x = TensorCodec.encode(pixels, ROWS, D);
    float[] z1 = new float[ROWS * 8];
    float[] z2 = new float[ROWS * 4];
    for (int i = 0; i < z1.length; i++) {
      z1[i] = (i % 7) * 0.25f - 0.75f;
    }
    for (int i = 0; i < z2.length; i++) {
      z2[i] = (i % 5) * 0.5f - 1f;
    }
    ModelRef latest = TestServer.ref(MODEL, 0);
    LogProbResponse v1 =
        server
            .inference()
            .logProb(
                LogProbRequest.newBuilder()
                    .setModel(latest)
                    .setX(x)
                    .addZ(TensorCodec.encode(z1, ROWS, 8))
                    .addZ(TensorCodec.encode(z2, ROWS, 4))
                    .build());
    ModelInferResponse logProb =
        kserve()
            .modelInfer(
                infer(MODEL + ".log_prob", "")
                    .addInputs(input("x", ROWS, D))
                    .addInputs(input("z1", ROWS, 8))
                    .addInputs(input("z2", ROWS, 4))
                    .addRawInputContents(bytes(pixels))
                    .addRawInputContents(bytes(z1))
                    .addRawInputContents(bytes(z2))
                    .build());
    assertThat(logProb.getModelVersion()).isEqualTo("2");
    assertThat(output(logProb, "log_px_given_z")).isEqualTo(decode(v1.getLogPxGivenZ()));
    assertThat(output(logProb, "log_qz_given_x")).isEqualTo(decode(v1.getLogQzGivenX()));
    assertThat(output(logProb, "z2_log_prior")).isEqualTo(decode(v1.getLayers(1).getLogPrior()));

    int k = 40;
    List<ImportanceWeightsChunk> chunks = new ArrayList<>();
    server
        .inference()
        .importanceWeights(
            ImportanceWeightsRequest.newBuilder()
                .setModel(latest)
                .setX(x)
                .setK(k)
                .setSeed(SEED)
                .setChunkSize(16)
                .build())
        .forEachRemaining(chunks::add);
    float[] expected = new float[ROWS * k];
    for (ImportanceWeightsChunk c : chunks) {
      FloatTensor part = decode(c.getLogWeights());
      int count = (int) part.dim(1);
      for (int i = 0; i < ROWS; i++) {
        System.arraycopy(part.data(), i * count, expected, i * k + c.getSampleOffset(), count);
      }
    }
    ModelInferResponse weights =
        kserve()
            .modelInfer(
                infer(MODEL + ".importance_weights", "")
                    .addInputs(input("x", ROWS, D))
                    .addRawInputContents(bytes(pixels))
                    .putParameters("k", int64(k))
                    .putParameters("seed", int64(SEED))
                    .build());
    assertThat(output(weights, "log_weights")).isEqualTo(FloatTensor.of(expected, ROWS, k));
  }

  @Test
  void modelInfer_requestedOutputs_returnsOnlyThoseInOrder() {
    float[] pixels = TestBundles.binaryImages(1, 7);
    ModelInferResponse response =
        kserve()
            .modelInfer(
                infer(MODEL + ".encode", "")
                    .addInputs(input("x", 1, D))
                    .addRawInputContents(bytes(pixels))
                    .addOutputs(InferRequestedOutputTensor.newBuilder().setName("z2_logvar"))
                    .addOutputs(InferRequestedOutputTensor.newBuilder().setName("z1_mean"))
                    .build());
    assertThat(response.getOutputsList().stream().map(o -> o.getName()))
        .containsExactly("z2_logvar", "z1_mean");
    assertThat(response.getRawOutputContentsCount()).isEqualTo(2);
  }

  /** The same metrics as latentserve.v1: requests and rows per method, batches, gRPC latency. */
  @Test
  void modelInfer_logProb_countedAsLogProbAndBatchedAsV1Is() {
    InferenceMetrics metrics = server.server.metrics();
    double requests = requests(metrics, "LogProb");
    double rows = counter(metrics, "latentserve.rows", "LogProb");
    long batches = batches(metrics);
    float[] pixels = TestBundles.binaryImages(2, 8);

    kserve()
        .modelInfer(
            infer(MODEL + ".log_prob", "2")
                .addInputs(input("x", 2, D))
                .addInputs(input("z1", 2, 8))
                .addInputs(input("z2", 2, 4))
                .addRawInputContents(bytes(pixels))
                .addRawInputContents(bytes(new float[16]))
                .addRawInputContents(bytes(new float[8]))
                .build());

    assertThat(requests(metrics, "LogProb")).isEqualTo(requests + 1);
    assertThat(counter(metrics, "latentserve.rows", "LogProb")).isEqualTo(rows + 2);
    assertThat(batches(metrics)).as("runs through the batching queue").isGreaterThan(batches);
    assertThat(metrics.scrape()).contains("inference.GRPCInferenceService");
  }

  private static double requests(InferenceMetrics metrics, String method) {
    return counter(metrics, "latentserve.requests", method);
  }

  private static double counter(InferenceMetrics metrics, String name, String method) {
    var counter =
        metrics
            .registry()
            .find(name)
            .tags("model", MODEL, "version", "2", "method", method)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private static long batches(InferenceMetrics metrics) {
    return metrics
        .registry()
        .find("latentserve.batch.size")
        .tags("model", MODEL, "version", "2")
        .summaries()
        .stream()
        .mapToLong(s -> s.count())
        .sum();
  }

  /** One bad ModelInfer request: what to change in a good one, the code, the description. */
  record Case(
      String name,
      UnaryOperator<ModelInferRequest.Builder> change,
      Status.Code code,
      String... fragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  Stream<Case> badRequests() {
    return Stream.of(
        new Case(
            "no graph suffix",
            r -> r.setModelName(MODEL),
            Status.Code.INVALID_ARGUMENT,
            "model_name is 'mnist-vae'",
            "expected <model>.<graph>",
            "importance_weights"),
        new Case(
            "unknown model", r -> r.setModelName("nope.encode"), Status.Code.NOT_FOUND, "nope"),
        new Case("unknown version", r -> r.setModelVersion("9"), Status.Code.NOT_FOUND, "9"),
        new Case(
            "malformed version",
            r -> r.setModelVersion("latest"),
            Status.Code.INVALID_ARGUMENT,
            "model_version is 'latest'",
            "expected a version number >= 1"),
        new Case(
            "wrong feature count",
            r -> {
              r.getInputsBuilder(0).clearShape().addShape(4).addShape(D - 1);
              return r.setRawInputContents(0, ByteString.copyFrom(new byte[4 * (D - 1) * 4]));
            },
            Status.Code.INVALID_ARGUMENT,
            "x has 783 features",
            "expects 784"),
        new Case(
            "raw bytes short of the shape",
            r -> r.setRawInputContents(0, ByteString.copyFrom(new byte[10])),
            Status.Code.INVALID_ARGUMENT,
            "x.data has 10 bytes",
            "needs " + (2 * D * 4)),
        new Case(
            "typed contents short of the shape",
            r -> {
              r.clearRawInputContents();
              r.getInputsBuilder(0).setContents(fp32(new float[5]));
              return r;
            },
            Status.Code.INVALID_ARGUMENT,
            "input x has 5 values in contents.fp32_contents",
            "needs " + (2 * D)),
        new Case(
            "unsupported datatype",
            r -> {
              r.getInputsBuilder(0).setDatatype("INT32");
              return r;
            },
            Status.Code.INVALID_ARGUMENT,
            "input x has datatype 'INT32'",
            "expected FP32, FP64 or UINT8"),
        new Case(
            "unknown input",
            r -> {
              r.getInputsBuilder(0).setName("pixels");
              return r;
            },
            Status.Code.INVALID_ARGUMENT,
            "inputs[0] is named 'pixels'",
            "has inputs [x]"),
        new Case(
            "missing input",
            r -> r.clearInputs().clearRawInputContents(),
            Status.Code.INVALID_ARGUMENT,
            "input x is missing",
            "[N, 784]"),
        new Case(
            "raw and typed mixed",
            r -> {
              r.getInputsBuilder(0).setContents(fp32(new float[2 * D]));
              return r;
            },
            Status.Code.INVALID_ARGUMENT,
            "typed contents while raw_input_contents is used"),
        new Case(
            "raw entries not one per input",
            r -> r.addRawInputContents(ByteString.EMPTY),
            Status.Code.INVALID_ARGUMENT,
            "raw_input_contents has 2 entries, expected one per input (1)"),
        new Case(
            "unknown parameter",
            r -> r.putParameters("K", int64(5)),
            Status.Code.INVALID_ARGUMENT,
            "parameter 'K' is not one model mnist-vae.importance_weights takes",
            "[first_row, k, seed]"),
        new Case(
            "seed of the wrong type",
            r -> r.putParameters("seed", InferParameter.newBuilder().setStringParam("7").build()),
            Status.Code.INVALID_ARGUMENT,
            "parameter seed",
            "is a string_param, expected int64_param"),
        new Case(
            "k missing",
            r -> r.removeParameters("k"),
            Status.Code.INVALID_ARGUMENT,
            "parameter k is missing"),
        new Case("k zero", r -> r.putParameters("k", int64(0)), Status.Code.INVALID_ARGUMENT, "k"),
        new Case(
            "k above the limit",
            r -> r.putParameters("k", int64(101)),
            Status.Code.RESOURCE_EXHAUSTED,
            "k is 101, the limit is 100"),
        new Case(
            "unknown output",
            r -> r.addOutputs(InferRequestedOutputTensor.newBuilder().setName("log_w")),
            Status.Code.INVALID_ARGUMENT,
            "outputs[0] is named 'log_w'",
            "has outputs [log_weights]"),
        new Case(
            "sample output without sampling",
            r ->
                r.setModelName(MODEL + ".encode")
                    .clearParameters()
                    .addOutputs(InferRequestedOutputTensor.newBuilder().setName("z1_sample")),
            Status.Code.INVALID_ARGUMENT,
            "output z1_sample was not computed",
            "sample set to true"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void modelInfer_badRequest_failsWithPreciseStatusAndKeepsServing(Case c) {
    ModelInferRequest request = c.change().apply(goodWeightsRequest()).build();

    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> kserve().modelInfer(request));

    assertThat(e).as("%s must fail", c.name()).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(c.code());
    assertThat(e.getStatus().getDescription()).contains(c.fragments());
    assertThat(server.healthStatus("")).isEqualTo(ServingStatus.SERVING);
    assertThat(kserve().modelInfer(goodWeightsRequest().build()).getOutputs(0).getShapeList())
        .containsExactly(2L, 5L);
  }

  @Test
  void modelMetadata_noGraphSuffix_isInvalidArgument() {
    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> metadata(MODEL + ".train"));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .contains("name is 'mnist-vae.train'", "encode, decode, log_prob, importance_weights");
  }

  private static ModelInferRequest.Builder goodWeightsRequest() {
    return infer(MODEL + ".importance_weights", "")
        .addInputs(input("x", 2, D))
        .addRawInputContents(bytes(TestBundles.binaryImages(2, 3)))
        .putParameters("k", int64(5))
        .putParameters("seed", int64(1));
  }

  private static ModelInferRequest.Builder infer(String model, String version) {
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .setModelVersion(version)
        .setId("req-1");
  }

  private static InferInputTensor input(String name, long rows, long columns) {
    return InferInputTensor.newBuilder()
        .setName(name)
        .setDatatype("FP32")
        .addShape(rows)
        .addShape(columns)
        .build();
  }

  private static InferParameter int64(long value) {
    return InferParameter.newBuilder().setInt64Param(value).build();
  }

  private static InferTensorContents fp32(float[] values) {
    InferTensorContents.Builder b = InferTensorContents.newBuilder();
    for (float v : values) {
      b.addFp32Contents(v);
    }
    return b.build();
  }

  private static ByteString bytes(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return ByteString.copyFrom(b.flip());
  }

  private static FloatTensor decode(Tensor t) {
    return TensorCodec.decode("expected", t);
  }

  /** The named output of a response, decoded from raw_output_contents. */
  private static FloatTensor output(ModelInferResponse response, String name) {
    for (int i = 0; i < response.getOutputsCount(); i++) {
      if (response.getOutputs(i).getName().equals(name)) {
        assertThat(response.getOutputs(i).getDatatype()).isEqualTo("FP32");
        return decode(
            Tensor.newBuilder()
                .addAllShape(response.getOutputs(i).getShapeList())
                .setDtype(io.latentserve.proto.v1.DataType.DATA_TYPE_FLOAT32)
                .setData(response.getRawOutputContents(i))
                .build());
      }
    }
    throw new AssertionError("no output " + name + " in " + response.getOutputsList());
  }
}
