package io.latentserve.evaluator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.evaluator.app.CatalogDatasetSource;
import io.latentserve.evaluator.app.EvaluatorConfig;
import io.latentserve.evaluator.client.GrpcInferenceClient;
import io.latentserve.evaluator.client.InferenceCallListener;
import io.latentserve.evaluator.client.InferenceClientConfig;
import io.latentserve.evaluator.client.InferenceReplicas;
import io.latentserve.evaluator.core.EvaluationListener;
import io.latentserve.evaluator.core.EvaluationService;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.core.InferenceClientContract;
import io.latentserve.evaluator.core.ReferenceInferenceClient;
import io.latentserve.evaluator.probes.TribuoLinearProbe;
import io.latentserve.evaluator.report.ReportStore;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.DataType;
import io.latentserve.proto.v1.DatasetSplit;
import io.latentserve.proto.v1.EvaluateEvent;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.GetEvaluationRequest;
import io.latentserve.proto.v1.ListEvaluationsRequest;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.server.GrpcServerLifecycle;
import io.latentserve.wire.TensorCodec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Evaluator service on an in-process server with grpc.health.v1 and reflection, as {@link
 * GrpcServerLifecycle} serves it in the evaluator process, evaluating a model served by the
 * reference inference client (or, for the unreachable case, a gRPC client whose target has nothing
 * behind it until a real inference replica starts there), with the real dataset catalogue over an
 * empty data folder.
 *
 * <p>Every bad input must fail with its precise status code and description (the field, what was
 * expected, what came) and leave the service healthy: health still SERVING and the next good
 * evaluation succeeds.
 */
class EvaluatorGrpcServiceTest {
  private static final String MODEL = InferenceClientContract.MODEL;

  /** The limits of most tests: k up to 2000, small calls. */
  private static final EvaluatorOptions OPTIONS =
      new EvaluatorOptions(2000, 32, 1 << 14, 2, 2, 200, 4, 4);

  @TempDir Path reports;
  @TempDir Path data;
  @TempDir Path models;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<EvaluationListener.Outcome> outcomes = new CopyOnWriteArrayList<>();
  private EvaluationService service;
  private EvaluatorGrpc.EvaluatorBlockingStub blocking;
  private EvaluatorGrpc.EvaluatorStub async;
  private HealthGrpc.HealthBlockingStub health;

  private void start(InferenceClient inference, int maxConcurrent) throws IOException {
    start(inference, maxConcurrent, OPTIONS);
  }

  private void start(InferenceClient inference, int maxConcurrent, EvaluatorOptions options)
      throws IOException {
    ExecutorService evaluations = Executors.newFixedThreadPool(maxConcurrent);
    ExecutorService calls = Executors.newFixedThreadPool(4);
    closeables.add(evaluations::shutdownNow);
    closeables.add(calls::shutdownNow);
    closeables.add(inference);
    EvaluationListener listener =
        new EvaluationListener() {
          @Override
          public void onStarted(String evaluationId, String modelName) {}

          @Override
          public void onFinished(
              String evaluationId, Outcome outcome, long examples, Duration wallTime) {
            outcomes.add(outcome);
          }
        };
    service =
        new EvaluationService(
            new Evaluator(
                inference,
                new CatalogDatasetSource(data),
                options,
                Clock.systemUTC(),
                new TribuoLinearProbe()),
            new ReportStore(reports),
            evaluations,
            calls,
            maxConcurrent,
            listener,
            Clock.systemUTC());
    String name = InProcessServerBuilder.generateName();
    GrpcServerLifecycle server =
        GrpcServerLifecycle.builder(
                EvaluatorGrpc.SERVICE_NAME, InProcessServerBuilder.forName(name))
            .addService(new EvaluatorGrpcService(service))
            .metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 0)
            .shutdownGrace(Duration.ofSeconds(5))
            .drainAlso(service::awaitIdle)
            .build()
            .start();
    server.markServing();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    closeables.add(server::shutdown);
    closeables.add(channel::shutdownNow);
    blocking = EvaluatorGrpc.newBlockingStub(channel);
    async = EvaluatorGrpc.newStub(channel);
    health = HealthGrpc.newBlockingStub(channel);
  }

  private void startWithReference() throws IOException {
    start(ReferenceInferenceClient.of(MODEL, 1, InferenceClientContract.WEIGHTS), 2);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (service != null) {
      assertThat(service.awaitIdle(Duration.ofSeconds(20))).isTrue();
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private static Tensor tensor(FloatTensor t) {
    ByteBuffer b = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(t.data());
    Tensor.Builder tb = Tensor.newBuilder().setDtype(DataType.DATA_TYPE_FLOAT32);
    for (long d : t.shape()) {
      tb.addShape(d);
    }
    return tb.setData(ByteString.copyFrom(b.array())).build();
  }

  private static EvaluateRequest.Builder request(int n, int k) {
    return EvaluateRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName(MODEL))
        .setInlineData(tensor(InferenceClientContract.data(n, 1)))
        .setK(k)
        .setSeed(7)
        .setLabel("grpc test");
  }

  private List<EvaluateEvent> evaluate(EvaluateRequest request) {
    List<EvaluateEvent> events = new ArrayList<>();
    Iterator<EvaluateEvent> it = blocking.withDeadlineAfter(60, TimeUnit.SECONDS).evaluate(request);
    it.forEachRemaining(events::add);
    return events;
  }

  /** The call fails with {@code code} and exactly {@code description}. */
  private void assertFails(EvaluateRequest request, Status.Code code, String description) {
    assertThatThrownBy(() -> evaluate(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).isEqualTo(description);
            });
  }

  /**
   * The service is healthy: grpc.health.v1 says SERVING for the server and for the Evaluator
   * service, and a small evaluation succeeds.
   */
  private void assertHealthy() {
    for (String name : List.of("", EvaluatorGrpc.SERVICE_NAME)) {
      assertThat(
              health
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.newBuilder().setService(name).build())
                  .getStatus())
          .as("health of \"%s\"", name)
          .isEqualTo(ServingStatus.SERVING);
    }
    List<EvaluateEvent> events = evaluate(request(5, 3).addMetrics(Metric.METRIC_IWLL).build());
    EvaluateEvent last = events.get(events.size() - 1);
    assertThat(last.hasReport()).isTrue();
    assertThat(last.getReport().getExamples()).isEqualTo(5);
    assertThat(last.getReport().getIwll().getValue()).isNegative();
  }

  @Test
  void evaluate_inlineData_streamsProgressThenStoredReport() throws IOException {
    startWithReference();

    List<EvaluateEvent> events = evaluate(request(30, 20).setMiBatchSize(8).build());

    EvaluateEvent last = events.get(events.size() - 1);
    assertThat(last.hasReport()).isTrue();
    assertThat(events.subList(0, events.size() - 1)).allMatch(EvaluateEvent::hasProgress);
    assertThat(
            events.stream().filter(EvaluateEvent::hasProgress).map(e -> e.getProgress().getPhase()))
        .contains("importance-weights", "posterior-statistics");
    EvaluationReport report = last.getReport();
    assertThat(report.getModel().getVersion()).isEqualTo(1);
    assertThat(report.getExamples()).isEqualTo(30);
    assertThat(report.getIwllCurveList()).extracting(p -> p.getK()).containsExactly(1, 5, 20);
    assertThat(report.getIwll().getValue()).isLessThan(0);
    assertThat(report.getLayersList()).hasSize(2);
    assertThat(report.getMutualInformation().getMinibatchSize()).isEqualTo(8);
    assertThat(report.getMetricsList()).hasSize(6);
    assertThat(report.getLabel()).isEqualTo("grpc test");
    assertThat(Path.of(report.getJsonPath())).exists();
    assertThat(Path.of(report.getHtmlPath())).exists();

    EvaluationReport stored =
        blocking
            .getEvaluation(
                GetEvaluationRequest.newBuilder().setEvaluationId(report.getEvaluationId()).build())
            .getReport();
    assertThat(stored).isEqualTo(report);
    assertThat(
            blocking
                .listEvaluations(ListEvaluationsRequest.newBuilder().setModelName(MODEL).build())
                .getReportsList())
        .extracting(EvaluationReport::getEvaluationId)
        .containsExactly(report.getEvaluationId());
    assertThat(
            blocking
                .listEvaluations(ListEvaluationsRequest.newBuilder().setModelName("other").build())
                .getReportsCount())
        .isZero();
  }

  @Test
  void evaluate_unknownModel_returnsNotFound() throws IOException {
    startWithReference();

    assertFails(
        request(3, 2).setModel(ModelRef.newBuilder().setName("missing")).build(),
        Status.Code.NOT_FOUND,
        "model missing/latest is not served");
    assertHealthy();
  }

  @Test
  void evaluate_unknownMetric_returnsInvalidArgument() throws IOException {
    startWithReference();

    assertFails(
        request(3, 2).addMetrics(Metric.METRIC_IWLL).addMetricsValue(42).build(),
        Status.Code.INVALID_ARGUMENT,
        "metrics[1] is 42, not a known metric (1 to 10)");
    assertFails(
        request(3, 2).addMetrics(Metric.METRIC_UNSPECIFIED).build(),
        Status.Code.INVALID_ARGUMENT,
        "metrics[0] is 0, not a known metric (1 to 10)");
    assertHealthy();
  }

  @Test
  void evaluate_informationMetrics_reportsEveryNewFieldOnTheWire() throws IOException {
    startWithReference();
    List<Integer> labels = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      labels.add(i % 3);
    }

    List<EvaluateEvent> events =
        evaluate(
            request(30, 4)
                .addMetrics(Metric.METRIC_KDE_MUTUAL_INFORMATION)
                .addMetrics(Metric.METRIC_CONSISTENCY)
                .addMetrics(Metric.METRIC_LABEL_INFORMATION)
                .addMetrics(Metric.METRIC_LINEAR_PROBES)
                .addAllInlineLabels(labels)
                .build());

    io.latentserve.proto.v1.EvaluationReport report = events.get(events.size() - 1).getReport();
    assertThat(report.getMetricsList())
        .containsExactly(
            Metric.METRIC_KDE_MUTUAL_INFORMATION,
            Metric.METRIC_CONSISTENCY,
            Metric.METRIC_LABEL_INFORMATION,
            Metric.METRIC_LINEAR_PROBES);
    assertThat(report.hasKdeMutualInformation()).isTrue();
    assertThat(report.getKdeFitExamples()).isEqualTo(30);
    assertThat(report.getKdeBandwidthFactor()).isPositive();
    assertThat(report.hasConsistency()).isTrue();
    assertThat(report.getConsistency().getStandardError()).isPositive();
    assertThat(report.getLabelClasses()).isEqualTo(3);
    assertThat(report.getLabelEntropy()).isCloseTo(Math.log(3), within(1e-12));
    for (var layer : report.getLayersList()) {
      assertThat(layer.hasLabelInformation()).isTrue();
      assertThat(layer.getLabelInformation().getValue()).isLessThanOrEqualTo(Math.log(3) + 1e-9);
      assertThat(layer.getProbeTestExamples()).isEqualTo(6);
      assertThat(layer.getProbeAccuracy()).isBetween(0.0, 1.0);
      assertThat(layer.getFanoAccuracyCeiling()).isBetween(1 / 3.0 - 1e-9, 1.0);
    }
    assertThat(report.hasIwll()).isFalse();
  }

  @Test
  void evaluate_badInformationFields_returnsInvalidArgumentNamingTheField() throws IOException {
    startWithReference();

    assertFails(
        request(3, 2)
            .addMetrics(Metric.METRIC_LINEAR_PROBES)
            .addAllInlineLabels(List.of(0, 1))
            .build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_labels has 2 labels, inline_data has 3 rows: give one label per row");
    assertFails(
        request(3, 2).addAllInlineLabels(List.of(0, -1, 1)).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_labels[1] must be >= 0, got -1");
    assertFails(
        request(3, 2).addMetrics(Metric.METRIC_LABEL_INFORMATION).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_labels is missing: METRIC_LABEL_INFORMATION and METRIC_LINEAR_PROBES need the"
            + " label of each of the 3 inline examples");
    assertFails(
        request(3, 2).setKdeFitSplit("validation").build(),
        Status.Code.INVALID_ARGUMENT,
        "kde_fit_split must be \"train\", \"test\" or empty, got \"validation\"");
    assertFails(
        request(3, 2).setKdeFitLimit(-1).build(),
        Status.Code.INVALID_ARGUMENT,
        "kde_fit_limit must be >= 0, got -1");
    assertHealthy();
  }

  @Test
  void evaluate_kNotPositiveOrAboveConfiguredLimit_returnsInvalidArgumentNamingLimit()
      throws IOException {
    startWithReference();

    assertFails(
        request(3, 0).build(), Status.Code.INVALID_ARGUMENT, "k must be in [1, 2000], got 0");
    assertFails(
        request(3, -1).build(), Status.Code.INVALID_ARGUMENT, "k must be in [1, 2000], got -1");
    assertFails(
        request(3, 2001).build(), Status.Code.INVALID_ARGUMENT, "k must be in [1, 2000], got 2001");
    assertHealthy();
  }

  @Test
  void evaluate_kAboveDefaultLimit_returnsInvalidArgumentNaming5000() throws IOException {
    EvaluatorOptions defaults = EvaluatorConfig.defaults().evaluatorOptions();
    start(ReferenceInferenceClient.of(MODEL, 1, InferenceClientContract.WEIGHTS), 2, defaults);

    assertThat(defaults.maxK()).isEqualTo(5000);
    assertFails(
        request(3, 5001).build(), Status.Code.INVALID_ARGUMENT, "k must be in [1, 5000], got 5001");
    assertHealthy();
    // The limit itself is allowed.
    List<EvaluateEvent> events = evaluate(request(2, 5000).addMetrics(Metric.METRIC_IWLL).build());
    EvaluationReport report = events.get(events.size() - 1).getReport();
    assertThat(report.getK()).isEqualTo(5000);
    assertThat(report.getIwllCurveList()).extracting(p -> p.getK()).contains(5000);
  }

  @Test
  void evaluate_emptyInlineData_returnsInvalidArgument() throws IOException {
    startWithReference();
    Tensor empty =
        Tensor.newBuilder().setDtype(DataType.DATA_TYPE_FLOAT32).addShape(0).addShape(12).build();

    assertFails(
        request(1, 2).setInlineData(empty).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_data must hold at least one row of at least one value, got shape [0, 12]");
    assertHealthy();
  }

  @Test
  void evaluate_wrongFeatureCount_returnsInvalidArgumentNamingModel() throws IOException {
    startWithReference();
    Tensor eleven = tensor(FloatTensor.of(new float[22], 2, 11));

    assertFails(
        request(1, 2).setInlineData(eleven).build(),
        Status.Code.INVALID_ARGUMENT,
        "data has 11 features, model contract-vae/1 expects 12");
    assertHealthy();
  }

  @Test
  void evaluate_truncatedTensorBytes_returnsInvalidArgument() throws IOException {
    startWithReference();
    Tensor bad =
        tensor(FloatTensor.of(new float[24], 2, 12)).toBuilder()
            .setData(ByteString.copyFrom(new byte[95]))
            .build();

    assertFails(
        request(1, 2).setInlineData(bad).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_data.data has 95 bytes, shape [2, 12] needs 96");
    assertHealthy();
  }

  private static final String CONDITIONAL = "contract-cvae";

  /** The reference client serving the contract's model and a conditional one (C = 3). */
  private void startWithConditional() throws IOException {
    start(
        ReferenceInferenceClient.of(MODEL, 1, InferenceClientContract.WEIGHTS)
            .add(
                CONDITIONAL,
                1,
                VaeWeights.random(
                    InferenceClientContract.WEIGHTS.architecture().withConditionDim(3), 5)),
        2);
  }

  /** One-hot rows of labels 0, 1, 2, 0, ... as [rows, 3]. */
  private static Tensor labels(int rows) {
    float[] y = new float[rows * 3];
    for (int i = 0; i < rows; i++) {
      y[i * 3 + i % 3] = 1;
    }
    return tensor(FloatTensor.of(y, rows, 3));
  }

  private static EvaluateRequest.Builder conditionalRequest(int n) {
    return request(n, 3)
        .setModel(ModelRef.newBuilder().setName(CONDITIONAL))
        .addMetrics(Metric.METRIC_IWLL);
  }

  @ParameterizedTest
  @CsvSource({
    "4294967296, 4294967296, more than 2^63 - 1",
    "9223372036854775807, 2, more than 2^63 - 1",
    "2147483648, 2147483648, 4611686018427387904",
    "3037000500, 3037000500, more than 2^63 - 1",
  })
  void evaluate_inlineShapeProductBeyond64BitLimits_returnsInvalidArgumentNamingField(
      long n, long d, String elements) throws IOException {
    startWithReference();
    Tensor huge =
        Tensor.newBuilder().setDtype(DataType.DATA_TYPE_FLOAT32).addShape(n).addShape(d).build();

    assertFails(
        request(1, 2).setInlineData(huge).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_data has shape ["
            + n
            + ", "
            + d
            + "] with "
            + elements
            + " elements, at most "
            + (Integer.MAX_VALUE / 8)
            + " allowed");
    assertHealthy();
  }

  @Test
  void evaluate_blankModelName_returnsInvalidArgumentNotInternal() throws IOException {
    startWithReference();

    assertFails(
        request(1, 2).setModel(ModelRef.newBuilder().setName(" ")).build(),
        Status.Code.INVALID_ARGUMENT,
        "model.name must not be blank, got \" \"");
    assertHealthy();
  }

  @Test
  void evaluate_inlineUint8WithoutEncoding_returnsInvalidArgumentNamingEncoding()
      throws IOException {
    startWithReference();
    Tensor bytes =
        Tensor.newBuilder()
            .setDtype(DataType.DATA_TYPE_UINT8)
            .addShape(2)
            .addShape(12)
            .setData(ByteString.copyFrom(new byte[24]))
            .build();

    assertThatThrownBy(() -> evaluate(request(1, 2).setInlineData(bytes).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .startsWith("inline_data.encoding is VALUE_ENCODING_UNSPECIFIED, expected");
            });
    assertHealthy();
  }

  @Test
  void evaluate_inlineBinarizedUint8_equalsTheSameDataAsFloat32() throws IOException {
    startWithReference();
    // Binarized, as the contract model's data is.
    FloatTensor x = InferenceClientContract.data(6, 1);
    float[] values = x.data();

    List<EvaluateEvent> asBytes =
        evaluate(
            request(1, 4)
                .setInlineData(TensorCodec.encodeBinary(x))
                .addMetrics(Metric.METRIC_IWLL)
                .build());
    List<EvaluateEvent> asFloats =
        evaluate(request(1, 4).setInlineData(tensor(x)).addMetrics(Metric.METRIC_IWLL).build());

    double bytesIwll = asBytes.get(asBytes.size() - 1).getReport().getIwll().getValue();
    double floatsIwll = asFloats.get(asFloats.size() - 1).getReport().getIwll().getValue();
    assertThat(bytesIwll).isEqualTo(floatsIwll);
    // Divided by 255, the ones would be other data with another likelihood.
    FloatTensor scaled = FloatTensor.of(values.clone(), x.shape());
    for (int i = 0; i < scaled.data().length; i++) {
      scaled.data()[i] /= 255f;
    }
    List<EvaluateEvent> asPixels =
        evaluate(
            request(1, 4).setInlineData(tensor(scaled)).addMetrics(Metric.METRIC_IWLL).build());
    assertThat(asPixels.get(asPixels.size() - 1).getReport().getIwll().getValue())
        .isNotEqualTo(bytesIwll);
  }

  @Test
  void evaluate_conditionalInline_reportsWhatTheModelIsConditionedOn() throws IOException {
    startWithConditional();

    List<EvaluateEvent> events =
        evaluate(conditionalRequest(5).setInlineCondition(labels(5)).build());

    EvaluationReport report = events.get(events.size() - 1).getReport();
    assertThat(report.getModel().getConditionDim()).isEqualTo(3);
    assertThat(report.getCondition()).isEqualTo("inline condition [5, 3]");
    assertThat(report.getIwll().getValue()).isLessThan(0);
  }

  @Test
  void evaluate_conditionalWithoutInlineCondition_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        conditionalRequest(5).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition is missing: model contract-cvae/1 is conditional (condition_dim 3) and"
            + " needs the condition of every inline example, [5, 3]");
    assertHealthy();
  }

  @Test
  void evaluate_inlineConditionWrongRowCount_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        conditionalRequest(5).setInlineCondition(labels(4)).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition must be [N, C] with N = 5 (the rows of inline_data) and C >= 1, got"
            + " [4, 3]");
    assertHealthy();
  }

  @Test
  void evaluate_inlineConditionWrongColumnCount_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        conditionalRequest(2)
            .setInlineCondition(tensor(FloatTensor.of(new float[8], 2, 4)))
            .build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition has 4 columns, model contract-cvae/1 expects 3 (its condition_dim)");
    assertHealthy();
  }

  @Test
  void evaluate_inlineConditionWrongRank_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        conditionalRequest(2).setInlineCondition(tensor(FloatTensor.of(new float[6], 6))).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition must have shape [N, C], got [6]");
    assertHealthy();
  }

  @Test
  void evaluate_inlineConditionUint8_returnsInvalidArgument() throws IOException {
    startWithConditional();
    Tensor bytes =
        Tensor.newBuilder()
            .setDtype(DataType.DATA_TYPE_UINT8)
            .addShape(2)
            .addShape(3)
            .setData(ByteString.copyFrom(new byte[6]))
            .build();

    assertFails(
        conditionalRequest(2).setInlineCondition(bytes).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition.dtype must be float32, float64, got DATA_TYPE_UINT8");
    assertHealthy();
  }

  @Test
  void evaluate_inlineConditionForUnconditionalModel_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        request(3, 2).setInlineCondition(labels(3)).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition is present, but model contract-vae/1 is unconditional (condition_dim 0):"
            + " leave it unset");
    assertHealthy();
  }

  @Test
  void evaluate_inlineConditionWithDataset_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        conditionalRequest(2)
            .setDataset(DatasetSplit.newBuilder().setName("mnist").setSplit("test"))
            .setInlineCondition(labels(2))
            .build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition goes with inline_data only: a dataset's conditional evaluation uses its"
            + " one-hot labels");
    assertHealthy();
  }

  @Test
  void evaluate_unknownDataset_returnsNotFoundListingTheCatalogue() throws IOException {
    startWithReference();

    assertFails(
        request(1, 2)
            .setDataset(DatasetSplit.newBuilder().setName("nope").setSplit("test"))
            .build(),
        Status.Code.NOT_FOUND,
        "dataset \"nope\" is not in the catalogue; known datasets: "
            + String.join(", ", DatasetCatalog.names()));
    assertHealthy();
  }

  @Test
  void evaluate_catalogueDatasetNotDownloaded_returnsFailedPreconditionNamingFetchCommand()
      throws IOException {
    startWithReference();
    String name = DatasetCatalog.names().get(0);

    assertFails(
        request(1, 2).setDataset(DatasetSplit.newBuilder().setName(name).setSplit("test")).build(),
        Status.Code.FAILED_PRECONDITION,
        "dataset "
            + name
            + " is not downloaded on the evaluator: run `"
            + DatasetCatalog.fetchCommand(name)
            + "` there");
    assertHealthy();
  }

  @Test
  void evaluate_unknownSplit_returnsInvalidArgument() throws IOException {
    startWithReference();

    assertFails(
        request(1, 2)
            .setDataset(DatasetSplit.newBuilder().setName("mnist-10k").setSplit("validation"))
            .build(),
        Status.Code.INVALID_ARGUMENT,
        "dataset.split must be \"train\" or \"test\", got \"validation\"");
    assertHealthy();
  }

  @Test
  void evaluate_inferenceUnreachable_returnsUnavailableNamingTargetThenRecovers()
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String target = "127.0.0.1:" + port;
    // The channel GrpcInferenceClient.connect would build, held here to see it reconnect.
    ManagedChannel inferenceChannel =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
            .defaultLoadBalancingPolicy("round_robin")
            .build();
    closeables.add(inferenceChannel::shutdownNow);
    start(
        new GrpcInferenceClient(
            inferenceChannel,
            new InferenceClientConfig(
                target, Duration.ofSeconds(5), 3, Duration.ofMillis(10), 64 << 20),
            InferenceCallListener.none()),
        1);

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> evaluate(request(3, 2).build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                // After the colon come the transport's own words for the refused connection.
                assertThat(e.getStatus().getDescription())
                    .startsWith(
                        "inference-service at "
                            + target
                            + " is unreachable from the evaluator after 3 attempts of GetModel: ");
              });
    }
    assertThat(service.awaitIdle(Duration.ofSeconds(20))).isTrue();
    assertThat(outcomes)
        .containsExactly(EvaluationListener.Outcome.FAILED, EvaluationListener.Outcome.FAILED);

    // Once a replica serves the model where the evaluator looks for it, the evaluator (never
    // restarted, never NOT_SERVING) evaluates again.
    try (InferenceReplicas inference =
        InferenceReplicas.startOnPort(models, MODEL, InferenceClientContract.WEIGHTS, port)) {
      assertThat(inference.target()).isEqualTo(target);
      awaitReady(inferenceChannel);
      assertHealthy();
    }
  }

  /** Waits, at most 30 s, until the channel is connected, skipping its reconnect backoff. */
  private static void awaitReady(ManagedChannel channel) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    channel.resetConnectBackoff();
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY) {
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      if (!changed.await(end - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        throw new AssertionError("the inference channel is still " + state + " after 30 s");
      }
      state = channel.getState(true);
    }
  }

  @Test
  void evaluate_deadlineShorterThanWork_returnsDeadlineExceededAndStopsWork()
      throws IOException, InterruptedException {
    startWithReference();
    EvaluatorGrpc.EvaluatorBlockingStub hurried =
        blocking.withDeadlineAfter(300, TimeUnit.MILLISECONDS);

    assertThatThrownBy(
            () ->
                hurried
                    .evaluate(request(400, 2000).addMetrics(Metric.METRIC_IWLL).build())
                    .forEachRemaining(e -> {}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(service.awaitIdle(Duration.ofSeconds(20))).isTrue();
    assertThat(outcomes).containsExactly(EvaluationListener.Outcome.DEADLINE_EXCEEDED);
    assertHealthy();
  }

  @Test
  void evaluate_clientCancels_stopsWork() throws Exception {
    startWithReference();
    CompletableFuture<Void> firstProgress = new CompletableFuture<>();
    Context.CancellableContext context = Context.current().withCancellation();

    context.run(
        () ->
            async.evaluate(
                request(400, 2000).addMetrics(Metric.METRIC_IWLL).build(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(EvaluateEvent value) {
                    firstProgress.complete(null);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                }));
    firstProgress.get(20, TimeUnit.SECONDS);
    context.cancel(null);

    assertThat(service.awaitIdle(Duration.ofSeconds(20))).isTrue();
    assertThat(outcomes).containsExactly(EvaluationListener.Outcome.CANCELLED);
    assertHealthy();
  }

  @Test
  void evaluate_overConcurrencyLimit_returnsResourceExhausted() throws Exception {
    start(ReferenceInferenceClient.of(MODEL, 1, InferenceClientContract.WEIGHTS), 1);
    CompletableFuture<Void> firstProgress = new CompletableFuture<>();
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(
        () ->
            async.evaluate(
                request(400, 2000).addMetrics(Metric.METRIC_IWLL).build(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(EvaluateEvent value) {
                    firstProgress.complete(null);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                }));
    firstProgress.get(20, TimeUnit.SECONDS);

    assertFails(
        request(3, 2).build(),
        Status.Code.RESOURCE_EXHAUSTED,
        "1 evaluations are running, the limit; retry when one finishes");
    context.cancel(null);
    assertThat(service.awaitIdle(Duration.ofSeconds(20))).isTrue();
    assertHealthy();
  }

  @Test
  void getEvaluation_malformedOrUnknownId_returnsInvalidArgumentOrNotFound() throws IOException {
    startWithReference();

    assertThatThrownBy(
            () ->
                blocking.getEvaluation(
                    GetEvaluationRequest.newBuilder().setEvaluationId("../etc").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo(
                      "evaluation_id must match " + ReportStore.ID.pattern() + ", got \"../etc\"");
            });
    assertThatThrownBy(
            () ->
                blocking.getEvaluation(
                    GetEvaluationRequest.newBuilder().setEvaluationId("eval-none").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("no evaluation with id eval-none");
            });
    assertThat(Files.list(reports).count()).isZero();
    assertHealthy();
  }
}
