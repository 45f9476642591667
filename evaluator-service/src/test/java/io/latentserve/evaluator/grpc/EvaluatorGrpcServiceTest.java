package io.latentserve.evaluator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.latentserve.evaluator.client.GrpcInferenceClient;
import io.latentserve.evaluator.client.InferenceCallListener;
import io.latentserve.evaluator.client.InferenceClientConfig;
import io.latentserve.evaluator.core.Evaluator;
import io.latentserve.evaluator.core.EvaluatorOptions;
import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.core.InferenceClientContract;
import io.latentserve.evaluator.core.ReferenceInferenceClient;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Evaluator service on an in-process server, evaluating a model served by the reference
 * inference client (or, for the unreachable case, a gRPC client with nothing behind its target).
 */
class EvaluatorGrpcServiceTest {
  private static final String MODEL = InferenceClientContract.MODEL;

  @TempDir Path reports;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<EvaluationListener.Outcome> outcomes = new CopyOnWriteArrayList<>();
  private EvaluatorGrpcService service;
  private EvaluatorGrpc.EvaluatorBlockingStub blocking;
  private EvaluatorGrpc.EvaluatorStub async;

  private void start(InferenceClient inference, int maxConcurrent) throws IOException {
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
        new EvaluatorGrpcService(
            new Evaluator(inference, new EvaluatorOptions(2000, 32, 1 << 14, 2, 2, 200, 4, 4)),
            new ReportStore(reports),
            evaluations,
            calls,
            maxConcurrent,
            listener,
            Clock.systemUTC());
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name).addService(service).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    closeables.add(server::shutdownNow);
    closeables.add(channel::shutdownNow);
    blocking = EvaluatorGrpc.newBlockingStub(channel);
    async = EvaluatorGrpc.newStub(channel);
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
    Iterator<EvaluateEvent> it = blocking.evaluate(request);
    it.forEachRemaining(events::add);
    return events;
  }

  private void assertFails(EvaluateRequest request, Status.Code code, String message) {
    assertThatThrownBy(() -> evaluate(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  /** A small evaluation that must succeed: the service is healthy. */
  private void assertHealthy() {
    List<EvaluateEvent> events = evaluate(request(5, 3).addMetrics(Metric.METRIC_IWLL).build());
    assertThat(events.get(events.size() - 1).hasReport()).isTrue();
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
        "missing");
    assertHealthy();
  }

  @Test
  void evaluate_unknownMetric_returnsInvalidArgument() throws IOException {
    startWithReference();

    assertFails(
        request(3, 2).addMetricsValue(42).build(),
        Status.Code.INVALID_ARGUMENT,
        "metrics[0] is 42");
  }

  @Test
  void evaluate_kZeroOrAboveLimit_returnsInvalidArgument() throws IOException {
    startWithReference();

    assertFails(
        request(3, 0).build(), Status.Code.INVALID_ARGUMENT, "k must be in [1, 2000], got 0");
    assertFails(request(3, 2001).build(), Status.Code.INVALID_ARGUMENT, "got 2001");
  }

  @Test
  void evaluate_emptyInlineData_returnsInvalidArgument() throws IOException {
    startWithReference();
    Tensor empty =
        Tensor.newBuilder().setDtype(DataType.DATA_TYPE_FLOAT32).addShape(0).addShape(12).build();

    assertFails(
        request(1, 2).setInlineData(empty).build(), Status.Code.INVALID_ARGUMENT, "at least one");
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

    assertFails(request(1, 2).setInlineData(bad).build(), Status.Code.INVALID_ARGUMENT, "95 bytes");
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
        "inline_condition is missing: model contract-cvae/1 is conditional (condition_dim 3)");
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
  }

  @Test
  void evaluate_inlineConditionWrongColumnCount_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        conditionalRequest(2)
            .setInlineCondition(tensor(FloatTensor.of(new float[8], 2, 4)))
            .build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition has 4 columns, model contract-cvae/1 expects 3");
  }

  @Test
  void evaluate_inlineConditionWrongRank_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        conditionalRequest(2).setInlineCondition(tensor(FloatTensor.of(new float[6], 6))).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition must have shape [N, C], got [6]");
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
  }

  @Test
  void evaluate_inlineConditionForUnconditionalModel_returnsInvalidArgument() throws IOException {
    startWithConditional();

    assertFails(
        request(3, 2).setInlineCondition(labels(3)).build(),
        Status.Code.INVALID_ARGUMENT,
        "inline_condition is present, but model contract-vae/1 is unconditional");
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
        "inline_condition goes with inline_data only");
  }

  @Test
  void evaluate_unknownDataset_returnsNotFound() throws IOException {
    startWithReference();

    assertFails(
        request(1, 2)
            .setDataset(DatasetSplit.newBuilder().setName("nope").setSplit("test"))
            .build(),
        Status.Code.NOT_FOUND,
        "nope");
  }

  @Test
  void evaluate_inferenceUnreachable_returnsUnavailableNamingTarget() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String target = "127.0.0.1:" + port;
    start(
        GrpcInferenceClient.connect(
            new InferenceClientConfig(
                target, Duration.ofSeconds(5), 3, Duration.ofMillis(10), 64 << 20),
            InferenceCallListener.none()),
        1);

    assertFails(request(3, 2).build(), Status.Code.UNAVAILABLE, "inference at " + target);
    assertFails(request(3, 2).build(), Status.Code.UNAVAILABLE, "after 3 attempts");
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

    assertFails(request(3, 2).build(), Status.Code.RESOURCE_EXHAUSTED, "1 evaluations are running");
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
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(
            () ->
                blocking.getEvaluation(
                    GetEvaluationRequest.newBuilder().setEvaluationId("eval-none").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).contains("eval-none");
            });
    assertThat(Files.list(reports).count()).isZero();
  }
}
