package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.stub.ClientCalls;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.evaluator.app.EvaluatorConfig;
import io.latentserve.evaluator.app.EvaluatorServer;
import io.latentserve.inference.app.InferenceConfig;
import io.latentserve.inference.app.InferenceServer;
import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.DecodeRequest;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.trainer.app.TrainerConfig;
import io.latentserve.trainer.app.TrainerServer;
import io.latentserve.wire.TensorCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the three services in this JVM with requests generated from their .proto descriptors (see
 * {@link RequestGenerator}): a real inference-service over a repository with a small real bundle, a
 * real trainer and a real evaluator calling that inference-service over loopback. Every call has a
 * deadline; none may end UNKNOWN (an exception escaped a handler), INTERNAL (a bug) or
 * DEADLINE_EXCEEDED (a hang), each service must still say SERVING afterwards, and the heap must not
 * have grown by more than {@value #HEAP_GROWTH_MIB} MiB.
 *
 * <p>Seeded: the seed is printed; {@code -Dlatentserve.fuzz.seed=N} replays a run, {@code
 * -Dlatentserve.fuzz.calls=N} changes the calls per service.
 */
class ServiceFuzzTest {
  private static final long DEFAULT_SEED = 20261207L;
  private static final int DEFAULT_CALLS = 2000;
  private static final Duration BUDGET_PER_SERVICE = Duration.ofSeconds(15);
  private static final Duration CALL_DEADLINE = Duration.ofSeconds(20);
  private static final int HEAP_GROWTH_MIB = 256;
  private static final String MODEL = "fuzz";
  private static final VaeArchitecture ARCHITECTURE =
      new VaeArchitecture(
          6,
          List.of(
              new StochasticLayer("z1", 3, List.of(5)), new StochasticLayer("z2", 2, List.of())),
          Activation.TANH,
          LikelihoodFamily.BERNOULLI,
          0);

  private static final io.grpc.MethodDescriptor.Marshaller<byte[]> BYTES =
      new io.grpc.MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** Descriptions seen, for -Dlatentserve.fuzz.reasons=true: where generated requests stop. */
  private static final Map<String, Integer> REASONS =
      Boolean.getBoolean("latentserve.fuzz.reasons")
          ? new java.util.concurrent.ConcurrentHashMap<>()
          : null;

  /** A well-formed request per method, for {@link RequestGenerator#mutate}. */
  private static final Map<String, Message> TEMPLATES = templates();

  @TempDir Path work;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void generatedRequests_neverUnknownInternalOrHang_servicesStayServingHeapBounded()
      throws Exception {
    long seed = Long.getLong("latentserve.fuzz.seed", DEFAULT_SEED);
    int calls = Integer.getInteger("latentserve.fuzz.calls", DEFAULT_CALLS);
    System.out.println(
        "ServiceFuzzTest seed "
            + seed
            + " ("
            + calls
            + " calls per service; replay with -Dlatentserve.fuzz.seed="
            + seed
            + ")");
    Path repository = Files.createDirectories(work.resolve("models"));
    VaeBundles.publish(
        new FileSystemModelRepository(repository),
        MODEL,
        VaeWeights.random(ARCHITECTURE, seed),
        new Provenance("{}", "none", seed, 0, Map.of(), "fuzz", Instant.EPOCH));

    InferenceServer inference =
        InferenceServer.create(
                InferenceConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .host("127.0.0.1")
                    .modelRepository(repository)
                    .device("cpu")
                    .intraOpThreads(1)
                    .maxRowsPerRequest(64)
                    .maxK(64)
                    .maxMessageBytes(1 << 20)
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    closeables.add(inference::shutdown);
    TrainerServer trainer =
        TrainerServer.create(
                TrainerConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .host("127.0.0.1")
                    .modelRepository(work.resolve("trainer-models"))
                    .dataDir(Files.createDirectories(work.resolve("no-data")))
                    .jobsDir(work.resolve("jobs"))
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    closeables.add(trainer::shutdown);
    EvaluatorServer evaluator =
        EvaluatorServer.create(
                EvaluatorConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .host("127.0.0.1")
                    .inferenceTarget("127.0.0.1:" + inference.port())
                    .reportsDir(work.resolve("reports"))
                    .dataDir(work.resolve("no-data"))
                    .maxK(32)
                    .mmdSamples(64)
                    .versionWait(Duration.ofMillis(200))
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    closeables.add(evaluator::shutdown);

    Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    channels.put("inference", channel(inference.port()));
    channels.put("trainer", channel(trainer.port()));
    channels.put("evaluator", channel(evaluator.port()));
    awaitServing(channels);

    long heapBefore = usedHeapAfterGc();
    List<String> failures = new ArrayList<>();
    Map<String, Integer> codes = new TreeMap<>();
    SplittableRandom random = new SplittableRandom(seed);
    fuzz(
        channels.get("inference"),
        InferenceGrpc.getServiceDescriptor(),
        calls,
        random,
        codes,
        failures);
    fuzz(
        channels.get("trainer"),
        TrainerGrpc.getServiceDescriptor(),
        calls,
        random,
        codes,
        failures);
    fuzz(
        channels.get("evaluator"),
        EvaluatorGrpc.getServiceDescriptor(),
        calls,
        random,
        codes,
        failures);
    System.out.println("ServiceFuzzTest status codes: " + codes);
    if (REASONS != null) {
      REASONS.entrySet().stream()
          .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
          .limit(40)
          .forEach(e -> System.out.println("  " + e.getValue() + " " + e.getKey()));
    }

    assertThat(failures).as("calls ending UNKNOWN, INTERNAL or past their deadline").isEmpty();
    awaitServing(channels);
    long growth = usedHeapAfterGc() - heapBefore;
    assertThat(growth).as("heap growth in bytes").isLessThan((long) HEAP_GROWTH_MIB << 20);
  }

  private void fuzz(
      ManagedChannel channel,
      io.grpc.ServiceDescriptor service,
      int calls,
      SplittableRandom random,
      Map<String, Integer> codes,
      List<String> failures) {
    ServiceDescriptor proto =
        ((ProtoServiceDescriptorSupplier) service.getSchemaDescriptor()).getServiceDescriptor();
    List<MethodDescriptor> methods = proto.getMethods();
    RequestGenerator generator = new RequestGenerator(random, List.of(MODEL, "other"), 6, 3, 2);
    long end = System.nanoTime() + BUDGET_PER_SERVICE.toNanos();
    int made = 0;
    for (; made < calls && System.nanoTime() < end; made++) {
      MethodDescriptor method = methods.get(random.nextInt(methods.size()));
      Message template = TEMPLATES.get(method.getName());
      DynamicMessage request =
          // A valid evaluation writes a report with plots (~0.5 s): fewer of them, more calls.
          template != null && random.nextInt(method.getName().equals("Evaluate") ? 10 : 2) == 0
              ? generator.mutate(template)
              : generator.message(method.getInputType());
      long start = System.nanoTime();
      Status.Code code = call(channel, service.getName() + "/" + method.getName(), method, request);
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (REASONS != null && millis > 300) {
        System.out.println(
            "slow " + millis + " ms " + method.getName() + " " + code + " " + shortText(request));
      }
      codes.merge(service.getName() + "/" + method.getName() + " " + code, 1, Integer::sum);
      if (code == Status.Code.UNKNOWN
          || code == Status.Code.INTERNAL
          || code == Status.Code.DEADLINE_EXCEEDED) {
        if (failures.size() < 20) {
          failures.add(method.getFullName() + " " + code + " for " + shortText(request));
        }
      }
    }
    System.out.println("ServiceFuzzTest " + service.getName() + ": " + made + " calls");
    assertThat(made).as("calls made to %s within the budget", service.getName()).isGreaterThan(200);
  }

  private static Status.Code call(
      ManagedChannel channel, String fullName, MethodDescriptor method, DynamicMessage request) {
    io.grpc.MethodDescriptor<byte[], byte[]> rpc =
        io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(
                method.isServerStreaming()
                    ? io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING
                    : io.grpc.MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(fullName)
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    CallOptions options =
        CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    try {
      if (method.isServerStreaming()) {
        Iterator<byte[]> it =
            ClientCalls.blockingServerStreamingCall(channel, rpc, options, request.toByteArray());
        while (it.hasNext()) {
          it.next();
        }
      } else {
        ClientCalls.blockingUnaryCall(channel, rpc, options, request.toByteArray());
      }
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      if (REASONS != null && e.getStatus().getDescription() != null) {
        String d = e.getStatus().getDescription().replaceAll("[0-9]+", "N");
        REASONS.merge(
            method.getName() + ": " + d.substring(0, Math.min(60, d.length())), 1, Integer::sum);
      }
      return e.getStatus().getCode();
    }
  }

  private static Map<String, Message> templates() {
    ModelRef model = ModelRef.newBuilder().setName(MODEL).build();
    Tensor x = TensorCodec.encode(new float[] {1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1}, 2, 6);
    Tensor z1 = TensorCodec.encode(new float[] {0.5f, -1, 0, 2, 0.1f, -0.3f}, 2, 3);
    Tensor z2 = TensorCodec.encode(new float[] {0.2f, -0.4f, 1, 0}, 2, 2);
    float[] data = new float[4 * 6];
    for (int i = 0; i < data.length; i++) {
      data[i] = (i * 7 % 5) < 2 ? 1 : 0;
    }
    Map<String, Message> t = new java.util.HashMap<>();
    t.put("GetModel", GetModelRequest.newBuilder().setModel(model).build());
    t.put("Encode", EncodeRequest.newBuilder().setModel(model).setX(x).setSample(true).build());
    t.put("Decode", DecodeRequest.newBuilder().setModel(model).setZ(z2).setSample(true).build());
    t.put("Sample", SampleRequest.newBuilder().setModel(model).setN(3).setSeed(1).build());
    t.put("LogProb", LogProbRequest.newBuilder().setModel(model).setX(x).addZ(z1).addZ(z2).build());
    t.put(
        "ImportanceWeights",
        ImportanceWeightsRequest.newBuilder()
            .setModel(model)
            .setX(x)
            .setK(8)
            .setChunkSize(3)
            .setIncludeComponents(true)
            .build());
    t.put(
        "Evaluate",
        EvaluateRequest.newBuilder()
            .setModel(model)
            .setInlineData(TensorCodec.encode(data, 4, 6))
            .setK(4)
            .setSeed(2)
            .setMiBatchSize(4)
            .build());
    return Map.copyOf(t);
  }

  private static String shortText(DynamicMessage m) {
    String text = m.toString().replaceAll("\\s+", " ");
    return text.length() > 600 ? text.substring(0, 600) + "..." : text;
  }

  private ManagedChannel channel(int port) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    closeables.add(channel::shutdownNow);
    return channel;
  }

  private static void awaitServing(Map<String, ManagedChannel> channels) {
    for (Map.Entry<String, ManagedChannel> e : channels.entrySet()) {
      Iterator<io.grpc.health.v1.HealthCheckResponse> updates =
          HealthGrpc.newBlockingStub(e.getValue())
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .watch(HealthCheckRequest.newBuilder().setService("").build());
      ServingStatus status = updates.next().getStatus();
      while (status != ServingStatus.SERVING) {
        status = updates.next().getStatus();
      }
      assertThat(
              HealthGrpc.newBlockingStub(e.getValue())
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.newBuilder().build())
                  .getStatus())
          .as("health of %s", e.getKey())
          .isEqualTo(ServingStatus.SERVING);
    }
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
