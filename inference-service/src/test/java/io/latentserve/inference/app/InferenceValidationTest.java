package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.DecodeRequest;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc.InferenceBlockingStub;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.wire.TensorCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed or oversized request of every RPC, against the real service over a real
 * repository: each gets the right status code and a description naming the field, the expected and
 * the actual value, and the server keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InferenceValidationTest {
  private static final String MODEL = "mnist-vae";
  private static final int D = 784;
  private static final ModelRef GOOD = TestServer.ref(MODEL, 1);
  private static final ModelRef CONDITIONAL = TestServer.ref("mnist-cvae", 1);
  private static final int C = 10;

  @TempDir static Path repository;
  private TestServer server;

  @BeforeAll
  void startServer() {
    TestBundles.publish(new FileSystemModelRepository(repository), MODEL, 1);
    TestBundles.publishConditional(
        new FileSystemModelRepository(repository), CONDITIONAL.getName(), 2, C);
    server = TestServer.start(TestServer.config(repository).build()).awaitServing();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  /** One bad request: the call, the expected code, and fragments its description must contain. */
  record Case(
      String name,
      Rpc rpc,
      Consumer<InferenceBlockingStub> call,
      Status.Code code,
      List<String> fragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  enum Rpc {
    GET_MODEL,
    ENCODE,
    DECODE,
    SAMPLE,
    LOG_PROB,
    IMPORTANCE_WEIGHTS
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rpc_badRequest_failsWithPreciseStatusAndKeepsServing(Case c) {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> c.call().accept(server.inference()));

    assertThat(e).as("%s must fail", c.name()).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(c.code());
    assertThat(e.getStatus().getDescription()).contains(c.fragments());
    assertThat(server.healthStatus("")).isEqualTo(ServingStatus.SERVING);
    goodRequest(c.rpc());
  }

  @Test
  void getModel_conditional_reportsConditionDim() {
    InferenceBlockingStub stub = server.inference();

    assertThat(
            stub.getModel(GetModelRequest.newBuilder().setModel(CONDITIONAL).build())
                .getModel()
                .getConditionDim())
        .isEqualTo(C);
    assertThat(
            stub.getModel(GetModelRequest.newBuilder().setModel(GOOD).build())
                .getModel()
                .getConditionDim())
        .isZero();
  }

  @ParameterizedTest
  @EnumSource(
      value = Rpc.class,
      names = {"ENCODE", "DECODE", "SAMPLE", "LOG_PROB", "IMPORTANCE_WEIGHTS"})
  void rpc_conditionalWithCondition_succeeds(Rpc rpc) {
    withCondition(rpc, CONDITIONAL, oneHot(2)).accept(server.inference());
  }

  /** Different labels must change the answer: the condition reaches the graphs. */
  @Test
  void importanceWeights_conditionalOtherLabels_giveOtherWeights() {
    float[] other = new float[2 * C];
    other[4] = 1;
    other[C + 8] = 1;
    InferenceBlockingStub stub = server.inference();
    ImportanceWeightsRequest.Builder request =
        ImportanceWeightsRequest.newBuilder()
            .setModel(CONDITIONAL)
            .setX(x(2))
            .setK(3)
            .setCondition(oneHot(2));
    Tensor first = stub.importanceWeights(request.build()).next().getLogWeights();
    Tensor second =
        stub.importanceWeights(request.setCondition(TensorCodec.encode(other, 2, C)).build())
            .next()
            .getLogWeights();

    assertThat(second.getData()).isNotEqualTo(first.getData());
  }

  private void goodRequest(Rpc rpc) {
    InferenceBlockingStub stub = server.inference();
    switch (rpc) {
      case GET_MODEL ->
          assertThat(stub.getModel(GetModelRequest.newBuilder().setModel(GOOD).build()).getModel())
              .extracting(m -> m.getVersion())
              .isEqualTo(1L);
      case ENCODE ->
          assertThat(
                  stub.encode(EncodeRequest.newBuilder().setModel(GOOD).setX(x(2)).build())
                      .getLayersCount())
              .isEqualTo(2);
      case DECODE ->
          assertThat(
                  stub.decode(
                          DecodeRequest.newBuilder()
                              .setModel(GOOD)
                              .setZ(TensorCodec.encode(new float[8], 2, 4))
                              .build())
                      .getXMean()
                      .getShapeList())
              .containsExactly(2L, (long) D);
      case SAMPLE ->
          assertThat(
                  stub.sample(SampleRequest.newBuilder().setModel(GOOD).setN(2).build())
                      .getPrior()
                      .getSample()
                      .getShapeList())
              .containsExactly(2L, 4L);
      case LOG_PROB ->
          assertThat(
                  stub.logProb(
                          LogProbRequest.newBuilder()
                              .setModel(GOOD)
                              .setX(x(2))
                              .addZ(TensorCodec.encode(new float[16], 2, 8))
                              .addZ(TensorCodec.encode(new float[8], 2, 4))
                              .build())
                      .getLogPz()
                      .getShapeList())
              .containsExactly(2L);
      case IMPORTANCE_WEIGHTS -> {
        List<Long> offsets = new ArrayList<>();
        stub.importanceWeights(
                ImportanceWeightsRequest.newBuilder().setModel(GOOD).setX(x(2)).setK(3).build())
            .forEachRemaining(chunk -> offsets.add((long) chunk.getSampleOffset()));
        assertThat(offsets).containsExactly(0L);
      }
    }
  }

  static Stream<Arguments> cases() {
    List<Case> cases = new ArrayList<>();
    // The x of Encode, LogProb and ImportanceWeights, and the z of Decode, share their checks.
    for (Rpc rpc : List.of(Rpc.ENCODE, Rpc.LOG_PROB, Rpc.IMPORTANCE_WEIGHTS)) {
      String p = method(rpc) + "_";
      cases.add(
          c(
              p + "xWrongRank",
              rpc,
              withX(rpc, vector(D)),
              Status.Code.INVALID_ARGUMENT,
              "x must have rank 2 [N, 784]",
              "got rank 1 shape [784]"));
      cases.add(
          c(
              p + "xWrongFeatureCount",
              rpc,
              withX(rpc, zeros(2, 783)),
              Status.Code.INVALID_ARGUMENT,
              "x has 783 features",
              "mnist-vae/1 expects 784"));
      cases.add(
          c(
              p + "xNaN",
              rpc,
              withX(rpc, xWith(0, 3, Float.NaN)),
              Status.Code.INVALID_ARGUMENT,
              "x[0, 3] is NaN",
              "must be finite"));
      cases.add(
          c(
              p + "xInfinity",
              rpc,
              withX(rpc, xWith(1, 5, Float.NEGATIVE_INFINITY)),
              Status.Code.INVALID_ARGUMENT,
              "x[1, 5] is -Infinity",
              "must be finite"));
      cases.add(
          c(
              p + "xEmptyBatch",
              rpc,
              withX(rpc, zeros(0, D)),
              Status.Code.INVALID_ARGUMENT,
              "x has 0 rows",
              "at least 1"));
      cases.add(
          c(
              p + "xMalformedBytes",
              rpc,
              withX(rpc, malformed(2, D, 3132)),
              Status.Code.INVALID_ARGUMENT,
              "x.data has 3132 bytes",
              "shape [2, 784] float32 needs 6272"));
      cases.add(
          c(
              p + "xUnsupportedDtype",
              rpc,
              withX(rpc, unspecifiedDtype(2, D)),
              Status.Code.INVALID_ARGUMENT,
              "x.dtype is DATA_TYPE_UNSPECIFIED",
              "expected DATA_TYPE_FLOAT32, DATA_TYPE_FLOAT64 or DATA_TYPE_UINT8"));
      cases.add(
          c(
              p + "xRowsAboveLimit",
              rpc,
              withX(rpc, x(9)),
              Status.Code.RESOURCE_EXHAUSTED,
              "x has 9 rows",
              "the limit is 8"));
      cases.add(
          c(
              p + "xMissing",
              rpc,
              withX(rpc, null),
              Status.Code.INVALID_ARGUMENT,
              "x is missing",
              "expected a tensor [N, 784]"));
    }
    String d = "decode_";
    cases.add(
        c(
            d + "zWrongRank",
            Rpc.DECODE,
            decodeZ(TensorCodec.encode(new float[8], 2, 1, 4)),
            Status.Code.INVALID_ARGUMENT,
            "z must have rank 2 [N, 4]",
            "got rank 3 shape [2, 1, 4]"));
    cases.add(
        c(
            d + "zWrongLatentCount",
            Rpc.DECODE,
            decodeZ(TensorCodec.encode(new float[6], 2, 3)),
            Status.Code.INVALID_ARGUMENT,
            "z has 3 columns",
            "mnist-vae/1 expects 4"));
    cases.add(
        c(
            d + "zNaN",
            Rpc.DECODE,
            decodeZ(latentWith(2, 4, 1, 2, Float.NaN)),
            Status.Code.INVALID_ARGUMENT,
            "z[1, 2] is NaN",
            "must be finite"));
    cases.add(
        c(
            d + "zInfinity",
            Rpc.DECODE,
            decodeZ(latentWith(2, 4, 0, 0, Float.POSITIVE_INFINITY)),
            Status.Code.INVALID_ARGUMENT,
            "z[0, 0] is Infinity",
            "must be finite"));
    cases.add(
        c(
            d + "zEmptyBatch",
            Rpc.DECODE,
            decodeZ(zeros(0, 4)),
            Status.Code.INVALID_ARGUMENT,
            "z has 0 rows",
            "at least 1"));
    cases.add(
        c(
            d + "zMalformedBytes",
            Rpc.DECODE,
            decodeZ(malformed(2, 4, 31)),
            Status.Code.INVALID_ARGUMENT,
            "z.data has 31 bytes",
            "shape [2, 4] float32 needs 32"));
    cases.add(
        c(
            d + "zUnsupportedDtype",
            Rpc.DECODE,
            decodeZ(Tensor.newBuilder().addShape(1).addShape(4).setDtypeValue(9).build()),
            Status.Code.INVALID_ARGUMENT,
            "z.dtype is unknown value 9",
            "expected DATA_TYPE_FLOAT32"));
    cases.add(
        c(
            d + "zRowsAboveLimit",
            Rpc.DECODE,
            decodeZ(zeros(9, 4)),
            Status.Code.RESOURCE_EXHAUSTED,
            "z has 9 rows",
            "the limit is 8"));
    cases.add(
        c(
            d + "zMissing",
            Rpc.DECODE,
            decodeZ(null),
            Status.Code.INVALID_ARGUMENT,
            "z is missing",
            "expected a tensor [N, 4]"));

    String s = "sample_";
    cases.add(
        c(
            s + "nZero",
            Rpc.SAMPLE,
            sampleN(0),
            Status.Code.INVALID_ARGUMENT,
            "n must be >= 1",
            "got 0"));
    cases.add(
        c(
            s + "nNegative",
            Rpc.SAMPLE,
            sampleN(-4),
            Status.Code.INVALID_ARGUMENT,
            "n must be >= 1",
            "got -4"));
    cases.add(
        c(
            s + "nAboveLimit",
            Rpc.SAMPLE,
            sampleN(9),
            Status.Code.RESOURCE_EXHAUSTED,
            "n is 9",
            "the limit is 8"));

    String l = "logProb_";
    cases.add(
        c(
            l + "wrongZCount",
            Rpc.LOG_PROB,
            stub ->
                stub.logProb(
                    LogProbRequest.newBuilder()
                        .setModel(GOOD)
                        .setX(x(2))
                        .addZ(zeros(2, 8))
                        .build()),
            Status.Code.INVALID_ARGUMENT,
            "z has 1 tensors",
            "mnist-vae/1 has 2 latent layers [z1, z2]"));
    cases.add(
        c(
            l + "zLayerWrongWidth",
            Rpc.LOG_PROB,
            logProbZ(zeros(2, 8), zeros(2, 5)),
            Status.Code.INVALID_ARGUMENT,
            "z[1] has 5 columns",
            "expects 4"));
    cases.add(
        c(
            l + "zNaN",
            Rpc.LOG_PROB,
            logProbZ(latentWith(2, 8, 1, 7, Float.NaN), zeros(2, 4)),
            Status.Code.INVALID_ARGUMENT,
            "z[0][1, 7] is NaN",
            "must be finite"));
    cases.add(
        c(
            l + "zRowsMismatch",
            Rpc.LOG_PROB,
            logProbZ(zeros(2, 8), zeros(3, 4)),
            Status.Code.INVALID_ARGUMENT,
            "z[1] has 3 rows",
            "x has 2"));
    cases.add(
        c(
            l + "zMalformedBytes",
            Rpc.LOG_PROB,
            logProbZ(zeros(2, 8), malformed(2, 4, 7)),
            Status.Code.INVALID_ARGUMENT,
            "z[1].data has 7 bytes",
            "shape [2, 4] float32 needs 32"));

    String iw = "importanceWeights_";
    cases.add(
        c(
            iw + "kZero",
            Rpc.IMPORTANCE_WEIGHTS,
            importanceK(0),
            Status.Code.INVALID_ARGUMENT,
            "k must be >= 1",
            "got 0"));
    cases.add(
        c(
            iw + "kNegative",
            Rpc.IMPORTANCE_WEIGHTS,
            importanceK(-7),
            Status.Code.INVALID_ARGUMENT,
            "k must be >= 1",
            "got -7"));
    cases.add(
        c(
            iw + "kAboveLimit",
            Rpc.IMPORTANCE_WEIGHTS,
            importanceK(5001),
            Status.Code.RESOURCE_EXHAUSTED,
            "k is 5001",
            "the limit is 5000"));
    cases.add(
        c(
            iw + "chunkSizeNegative",
            Rpc.IMPORTANCE_WEIGHTS,
            stub -> drain(stub, iwRequest().setK(10).setChunkSize(-1)),
            Status.Code.INVALID_ARGUMENT,
            "chunk_size must be >= 0",
            "got -1"));

    for (Rpc rpc : Rpc.values()) {
      String p = method(rpc) + "_";
      cases.add(
          c(
              p + "unknownModel",
              rpc,
              withModel(rpc, TestServer.ref("no-such-vae", 0)),
              Status.Code.NOT_FOUND,
              "model \"no-such-vae\" is not in the repository",
              "served models: mnist-cvae [1], mnist-vae [1]"));
      cases.add(
          c(
              p + "unknownVersion",
              rpc,
              withModel(rpc, TestServer.ref(MODEL, 7)),
              Status.Code.NOT_FOUND,
              "model mnist-vae has no version 7",
              "served versions: [1]"));
      cases.add(
          c(
              p + "negativeVersion",
              rpc,
              withModel(rpc, TestServer.ref(MODEL, -1)),
              Status.Code.INVALID_ARGUMENT,
              "model.version is -1",
              "expected >= 1, or 0"));
      cases.add(
          c(
              p + "emptyModelName",
              rpc,
              withModel(rpc, TestServer.ref("", 1)),
              Status.Code.INVALID_ARGUMENT,
              "model.name is empty",
              "expected the name of a loaded model"));
    }
    for (Rpc rpc :
        List.of(Rpc.ENCODE, Rpc.DECODE, Rpc.SAMPLE, Rpc.LOG_PROB, Rpc.IMPORTANCE_WEIGHTS)) {
      String p = method(rpc) + "_";
      String rowsOf =
          switch (rpc) {
            case DECODE -> "z has 2";
            case SAMPLE -> "n is 2";
            default -> "x has 2";
          };
      cases.add(
          c(
              p + "conditionMissingForConditionalModel",
              rpc,
              withCondition(rpc, CONDITIONAL, null),
              Status.Code.INVALID_ARGUMENT,
              "condition is missing",
              "mnist-cvae/1 is conditional",
              "expects a tensor [2, 10]"));
      cases.add(
          c(
              p + "conditionForUnconditionalModel",
              rpc,
              withCondition(rpc, GOOD, oneHot(2)),
              Status.Code.INVALID_ARGUMENT,
              "condition is present",
              "mnist-vae/1 is unconditional (condition_dim 0)"));
      cases.add(
          c(
              p + "conditionWrongRank",
              rpc,
              withCondition(rpc, CONDITIONAL, vector(C)),
              Status.Code.INVALID_ARGUMENT,
              "condition must have rank 2 [N, 10]",
              "got rank 1 shape [10]"));
      cases.add(
          c(
              p + "conditionWrongColumnCount",
              rpc,
              withCondition(rpc, CONDITIONAL, zeros(2, 9)),
              Status.Code.INVALID_ARGUMENT,
              "condition has 9 columns",
              "mnist-cvae/1 expects 10"));
      cases.add(
          c(
              p + "conditionRowCountMismatch",
              rpc,
              withCondition(rpc, CONDITIONAL, oneHot(3)),
              Status.Code.INVALID_ARGUMENT,
              "condition has 3 rows, " + rowsOf,
              "must match"));
      cases.add(
          c(
              p + "conditionNaN",
              rpc,
              withCondition(rpc, CONDITIONAL, latentWith(2, C, 1, 2, Float.NaN)),
              Status.Code.INVALID_ARGUMENT,
              "condition[1, 2] is NaN",
              "must be finite"));
      cases.add(
          c(
              p + "conditionInfinity",
              rpc,
              withCondition(rpc, CONDITIONAL, latentWith(2, C, 0, 9, Float.POSITIVE_INFINITY)),
              Status.Code.INVALID_ARGUMENT,
              "condition[0, 9] is Infinity",
              "must be finite"));
      cases.add(
          c(
              p + "conditionMalformedBytes",
              rpc,
              withCondition(rpc, CONDITIONAL, malformed(2, C, 7)),
              Status.Code.INVALID_ARGUMENT,
              "condition.data has 7 bytes",
              "shape [2, 10] float32 needs 80"));
      cases.add(
          c(
              p + "conditionUint8",
              rpc,
              withCondition(rpc, CONDITIONAL, uint8(2, C)),
              Status.Code.INVALID_ARGUMENT,
              "condition.dtype is DATA_TYPE_UINT8",
              "expected DATA_TYPE_FLOAT32 or DATA_TYPE_FLOAT64"));
    }
    return cases.stream().map(Arguments::of);
  }

  /**
   * A two-row request of {@code rpc} to {@code model} that is valid except perhaps for its
   * condition (absent when null).
   */
  private static Consumer<InferenceBlockingStub> withCondition(
      Rpc rpc, ModelRef model, Tensor condition) {
    return switch (rpc) {
      case ENCODE ->
          stub -> {
            EncodeRequest.Builder b =
                EncodeRequest.newBuilder().setModel(model).setX(x(2)).setSample(true);
            if (condition != null) {
              b.setCondition(condition);
            }
            stub.encode(b.build());
          };
      case DECODE ->
          stub -> {
            DecodeRequest.Builder b =
                DecodeRequest.newBuilder().setModel(model).setZ(zeros(2, 4)).setSample(true);
            if (condition != null) {
              b.setCondition(condition);
            }
            stub.decode(b.build());
          };
      case SAMPLE ->
          stub -> {
            SampleRequest.Builder b = SampleRequest.newBuilder().setModel(model).setN(2);
            if (condition != null) {
              b.setCondition(condition);
            }
            stub.sample(b.build());
          };
      case LOG_PROB ->
          stub -> {
            LogProbRequest.Builder b =
                LogProbRequest.newBuilder()
                    .setModel(model)
                    .setX(x(2))
                    .addZ(zeros(2, 8))
                    .addZ(zeros(2, 4));
            if (condition != null) {
              b.setCondition(condition);
            }
            stub.logProb(b.build());
          };
      case IMPORTANCE_WEIGHTS ->
          stub -> {
            ImportanceWeightsRequest.Builder b =
                ImportanceWeightsRequest.newBuilder().setModel(model).setX(x(2)).setK(3);
            if (condition != null) {
              b.setCondition(condition);
            }
            drain(stub, b);
          };
      default -> throw new IllegalArgumentException(rpc + " has no condition");
    };
  }

  /** One-hot labels 0, 1, 2, ... as a [rows, C] float32 condition. */
  private static Tensor oneHot(int rows) {
    float[] y = new float[rows * C];
    for (int i = 0; i < rows; i++) {
      y[i * C + i % C] = 1;
    }
    return TensorCodec.encode(y, rows, C);
  }

  private static Tensor uint8(int rows, int columns) {
    return Tensor.newBuilder()
        .addShape(rows)
        .addShape(columns)
        .setDtype(DataType.DATA_TYPE_UINT8)
        .setData(ByteString.copyFrom(new byte[rows * columns]))
        .build();
  }

  private static Case c(
      String name,
      Rpc rpc,
      Consumer<InferenceBlockingStub> call,
      Status.Code code,
      String... fragments) {
    String expectation =
        switch (code) {
          case INVALID_ARGUMENT -> "returnsInvalidArgument";
          case RESOURCE_EXHAUSTED -> "returnsResourceExhausted";
          case NOT_FOUND -> "returnsNotFound";
          default -> "returns" + code;
        };
    return new Case(name + "_" + expectation, rpc, call, code, List.of(fragments));
  }

  private static String method(Rpc rpc) {
    return switch (rpc) {
      case GET_MODEL -> "getModel";
      case ENCODE -> "encode";
      case DECODE -> "decode";
      case SAMPLE -> "sample";
      case LOG_PROB -> "logProb";
      case IMPORTANCE_WEIGHTS -> "importanceWeights";
    };
  }

  /** A request of {@code rpc} that is valid except for its x (missing when null). */
  private static Consumer<InferenceBlockingStub> withX(Rpc rpc, Tensor x) {
    return switch (rpc) {
      case ENCODE ->
          stub -> {
            EncodeRequest.Builder b = EncodeRequest.newBuilder().setModel(GOOD).setSample(true);
            if (x != null) {
              b.setX(x);
            }
            stub.encode(b.build());
          };
      case LOG_PROB ->
          stub -> {
            LogProbRequest.Builder b =
                LogProbRequest.newBuilder().setModel(GOOD).addZ(zeros(2, 8)).addZ(zeros(2, 4));
            if (x != null) {
              b.setX(x);
            }
            stub.logProb(b.build());
          };
      case IMPORTANCE_WEIGHTS ->
          stub -> {
            ImportanceWeightsRequest.Builder b =
                ImportanceWeightsRequest.newBuilder().setModel(GOOD).setK(5);
            if (x != null) {
              b.setX(x);
            }
            drain(stub, b);
          };
      default -> throw new IllegalArgumentException(rpc + " has no x");
    };
  }

  /** A request of {@code rpc} that is valid except for its model reference. */
  private static Consumer<InferenceBlockingStub> withModel(Rpc rpc, ModelRef model) {
    return switch (rpc) {
      case GET_MODEL -> stub -> stub.getModel(GetModelRequest.newBuilder().setModel(model).build());
      case ENCODE ->
          stub -> stub.encode(EncodeRequest.newBuilder().setModel(model).setX(x(1)).build());
      case DECODE ->
          stub -> stub.decode(DecodeRequest.newBuilder().setModel(model).setZ(zeros(1, 4)).build());
      case SAMPLE ->
          stub -> stub.sample(SampleRequest.newBuilder().setModel(model).setN(1).build());
      case LOG_PROB ->
          stub ->
              stub.logProb(
                  LogProbRequest.newBuilder()
                      .setModel(model)
                      .setX(x(1))
                      .addZ(zeros(1, 8))
                      .addZ(zeros(1, 4))
                      .build());
      case IMPORTANCE_WEIGHTS ->
          stub ->
              drain(stub, ImportanceWeightsRequest.newBuilder().setModel(model).setX(x(1)).setK(2));
    };
  }

  private static Consumer<InferenceBlockingStub> decodeZ(Tensor z) {
    return stub -> {
      DecodeRequest.Builder b = DecodeRequest.newBuilder().setModel(GOOD).setSample(true);
      if (z != null) {
        b.setZ(z);
      }
      stub.decode(b.build());
    };
  }

  private static Consumer<InferenceBlockingStub> sampleN(int n) {
    return stub -> stub.sample(SampleRequest.newBuilder().setModel(GOOD).setN(n).build());
  }

  private static Consumer<InferenceBlockingStub> logProbZ(Tensor z1, Tensor z2) {
    return stub ->
        stub.logProb(
            LogProbRequest.newBuilder().setModel(GOOD).setX(x(2)).addZ(z1).addZ(z2).build());
  }

  private static Consumer<InferenceBlockingStub> importanceK(int k) {
    return stub -> drain(stub, iwRequest().setK(k));
  }

  private static ImportanceWeightsRequest.Builder iwRequest() {
    return ImportanceWeightsRequest.newBuilder().setModel(GOOD).setX(x(2)).setSeed(3);
  }

  private static void drain(InferenceBlockingStub stub, ImportanceWeightsRequest.Builder request) {
    stub.importanceWeights(request.build()).forEachRemaining(chunk -> {});
  }

  private static Tensor x(int rows) {
    return TensorCodec.encode(TestBundles.binaryImages(rows, 11), rows, D);
  }

  private static Tensor xWith(int row, int column, float value) {
    float[] x = TestBundles.binaryImages(2, 11);
    x[row * D + column] = value;
    return TensorCodec.encode(x, 2, D);
  }

  private static Tensor latentWith(int rows, int dim, int row, int column, float value) {
    float[] z = new float[rows * dim];
    z[row * dim + column] = value;
    return TensorCodec.encode(z, rows, dim);
  }

  private static Tensor zeros(int rows, int columns) {
    return TensorCodec.encode(new float[rows * columns], rows, columns);
  }

  private static Tensor vector(int n) {
    return TensorCodec.encode(new float[n], n);
  }

  private static Tensor malformed(int rows, int columns, int bytes) {
    return Tensor.newBuilder()
        .addShape(rows)
        .addShape(columns)
        .setDtype(DataType.DATA_TYPE_FLOAT32)
        .setData(ByteString.copyFrom(new byte[bytes]))
        .build();
  }

  private static Tensor unspecifiedDtype(int rows, int columns) {
    return Tensor.newBuilder()
        .addShape(rows)
        .addShape(columns)
        .setData(ByteString.copyFrom(new byte[rows * columns * 4]))
        .build();
  }
}
