package io.latentserve.inference.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.ModelInferRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.inference.grpc.GrpcErrors;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.wire.TensorCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ImportanceWeights streams are bounded: at most --max-importance-streams at once (one more is
 * RESOURCE_EXHAUSTED, marked as momentary), and a client that stops reading loses its stream after
 * --stream-stall-timeout, which frees its slot and its lease on the model version.
 */
class ImportanceStreamLimitsTest {
  private static final String MODEL = "streams";

  @TempDir Path repository;
  private TestServer server;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  private static ImportanceWeightsRequest request(int k, int chunkSize) {
    return ImportanceWeightsRequest.newBuilder()
        .setModel(TestServer.ref(MODEL, 1))
        .setX(
            TensorCodec.encode(
                TestBundles.binaryImages(2, 3), 2, TestBundles.ARCHITECTURE.inputDim()))
        .setK(k)
        .setChunkSize(chunkSize)
        .setSeed(5)
        .build();
  }

  /** {@code <model>.importance_weights} of version 1 for two binary images, k samples each. */
  private static ModelInferRequest kserveImportanceWeights(long k) {
    float[] x = TestBundles.binaryImages(2, 3);
    ByteBuffer raw = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : x) {
      raw.putFloat(v);
    }
    ModelInferRequest.Builder b =
        ModelInferRequest.newBuilder()
            .setModelName(MODEL + ".importance_weights")
            .setModelVersion("1")
            .putParameters("k", InferParameter.newBuilder().setInt64Param(k).build());
    b.addInputsBuilder()
        .setName("x")
        .setDatatype("FP32")
        .addShape(2)
        .addShape(TestBundles.ARCHITECTURE.inputDim());
    return b.addRawInputContents(ByteString.copyFrom(raw.flip())).build();
  }

  @Test
  void importanceWeights_clientStopsReading_overLimitRefusedThenStreamEndsAndFreesItsSlot()
      throws Exception {
    TestBundles.publish(new FileSystemModelRepository(repository), MODEL, 1);
    server =
        TestServer.start(
                TestServer.config(repository)
                    .maxImportanceStreams(1)
                    .streamStallTimeout(Duration.ofMillis(300))
                    .build())
            .awaitServing();

    // A client that asks for one chunk of 200 and then reads no more.
    ClientCall<ImportanceWeightsRequest, ImportanceWeightsChunk> stalled =
        server.channel.newCall(
            InferenceGrpc.getImportanceWeightsMethod(),
            CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    AtomicInteger received = new AtomicInteger();
    AtomicReference<Status> status = new AtomicReference<>();
    stalled.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(ImportanceWeightsChunk message) {
            received.incrementAndGet();
            first.countDown();
          }

          @Override
          public void onClose(Status s, Metadata trailers) {
            status.set(s);
            closed.countDown();
          }
        },
        new Metadata());
    stalled.request(1);
    stalled.sendMessage(request(2000, 10));
    stalled.halfClose();
    assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();

    // The one slot is taken: another stream is refused, as momentarily exhausted.
    assertThatThrownBy(() -> server.inference().importanceWeights(request(10, 10)).next())
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription())
                  .contains("the limit (--max-importance-streams) is 1");
              assertThat(e.getTrailers().get(GrpcErrors.RETRY_PUSHBACK)).isNotNull();
            });

    // The Open Inference Protocol's importance weights take a slot of the same pool.
    assertThatThrownBy(
            () ->
                GRPCInferenceServiceGrpc.newBlockingStub(server.channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .modelInfer(kserveImportanceWeights(10)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription())
                  .contains("the limit (--max-importance-streams) is 1");
            });

    // The stalled stream is ended by the server, which frees the slot (and the model lease).
    TestServer.awaitCondition(
        Duration.ofSeconds(20),
        "the stalled stream's slot to be released",
        () -> server.server.importanceStreams().running() == 0);
    stalled.request(1000);
    assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(status.get().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(status.get().getDescription()).contains("--stream-stall-timeout");
    assertThat(received.get()).isLessThan(200);

    // And the next stream runs to its end.
    AtomicInteger chunks = new AtomicInteger();
    server
        .inference()
        .importanceWeights(request(40, 10))
        .forEachRemaining(c -> chunks.incrementAndGet());
    assertThat(chunks.get()).isEqualTo(4);
    assertThat(
            GRPCInferenceServiceGrpc.newBlockingStub(server.channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .modelInfer(kserveImportanceWeights(10))
                .getOutputs(0)
                .getShapeList())
        .containsExactly(2L, 10L);
    // The slot is given back once the call has been answered, which the client may see first.
    TestServer.awaitCondition(
        Duration.ofSeconds(20),
        "the last call's slot to be released",
        () -> server.server.importanceStreams().running() == 0);
  }

  @Test
  void importanceWeights_stalledClientOfARemovedVersion_versionClosedAfterTheStallTimeout()
      throws Exception {
    FileSystemModelRepository models = new FileSystemModelRepository(repository);
    TestBundles.publish(models, MODEL, 1);
    CountDownLatch modelClosed = new CountDownLatch(1);
    server =
        TestServer.start(
                TestServer.config(repository).streamStallTimeout(Duration.ofMillis(300)).build(),
                loader -> bundle -> observeClose(loader.load(bundle), modelClosed))
            .awaitServing();
    ClientCall<ImportanceWeightsRequest, ImportanceWeightsChunk> stalled =
        server.channel.newCall(
            InferenceGrpc.getImportanceWeightsMethod(),
            CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS));
    CountDownLatch first = new CountDownLatch(1);
    stalled.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(ImportanceWeightsChunk message) {
            first.countDown();
          }
        },
        new Metadata());
    stalled.request(1);
    stalled.sendMessage(request(2000, 10));
    stalled.halfClose();
    assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();

    // The version leaves the repository while the stream holds it; the client never reads on.
    models.delete(MODEL, 1);

    // Without the stall timeout the lease would last until the call's 120 s deadline.
    assertThat(modelClosed.await(30, TimeUnit.SECONDS)).isTrue();
    stalled.cancel("test over", null);
  }

  /** {@code model}, counting down {@code closed} when it is closed. */
  private static io.latentserve.inference.core.VaeModel observeClose(
      io.latentserve.inference.core.VaeModel model, CountDownLatch closed) {
    return (io.latentserve.inference.core.VaeModel)
        java.lang.reflect.Proxy.newProxyInstance(
            ImportanceStreamLimitsTest.class.getClassLoader(),
            new Class<?>[] {io.latentserve.inference.core.VaeModel.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                closed.countDown();
              }
              try {
                return method.invoke(model, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void importanceWeights_readingClients_runOnTheStreamPoolAndReleaseEverySlot() {
    TestBundles.publish(new FileSystemModelRepository(repository), MODEL, 1);
    server =
        TestServer.start(TestServer.config(repository).maxImportanceStreams(2).build())
            .awaitServing();

    for (int i = 0; i < 5; i++) {
      AtomicInteger chunks = new AtomicInteger();
      server
          .inference()
          .importanceWeights(request(30, 7))
          .forEachRemaining(c -> chunks.incrementAndGet());
      assertThat(chunks.get()).isEqualTo(5);
    }

    TestServer.awaitCondition(
        Duration.ofSeconds(10),
        "every slot to be free",
        () -> server.server.importanceStreams().running() == 0);
  }
}
