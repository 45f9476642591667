package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.cli.DemoBundle;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.EncodeRequest;
import io.latentserve.proto.v1.EncodeResponse;
import io.latentserve.proto.v1.GetModelRequest;
import io.latentserve.proto.v1.ImportanceWeightsChunk;
import io.latentserve.proto.v1.ImportanceWeightsRequest;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.LatentDistribution;
import io.latentserve.proto.v1.LogProbRequest;
import io.latentserve.proto.v1.LogProbResponse;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.Tensor;
import io.latentserve.wire.TensorCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API from another language: the Node.js example client (examples/node, {@code @grpc/grpc-js}
 * with the project's .proto files loaded at run time) against a real inference-service process.
 * Same server, same requests, same seeds: the Node client must receive bit for bit the float32
 * values the Java client receives.
 */
class NodeClientIT {
  private static final String MODEL = "demo";
  private static final int ROWS = 3;
  private static final int FEATURES = 784;
  private static final long SEED = 20_231_117L;
  private static final int K = 40;
  private static final int CHUNK_SIZE = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;

  private static Path node;
  private static Path example;
  private static ServiceProcess server;
  private static ManagedChannel channel;
  private static InferenceGrpc.InferenceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    node = HostTool.onPath("node").orElse(null);
    if (node == null) {
      return; // requireNode() skips or fails each test, with the reason
    }
    example = HostTool.sourceRoot().resolve("examples/node");
    installDependencies();

    FileSystemModelRepository repository = new FileSystemModelRepository(work.resolve("models"));
    // two stochastic layers: per-layer lists in every response
    DemoBundle.IWAE2.publish(repository, MODEL, 3);
    server =
        ServiceProcess.start(
            "inference",
            ServiceProcess.freePort(),
            List.of(
                "--model-repository", repository.root().toString(),
                "--metrics-port", Integer.toString(ServiceProcess.freePort())),
            Files.createFile(work.resolve("inference.log")));
    try {
      server.awaitServing(Duration.ofMinutes(2), elapsed -> {});
    } catch (RuntimeException e) {
      throw new AssertionError(e.getMessage() + "; its log:\n" + Files.readString(server.log()), e);
    }
    channel = ManagedChannelBuilder.forTarget(server.target()).usePlaintext().build();
    stub = InferenceGrpc.newBlockingStub(channel);
  }

  @BeforeEach
  void requireNode() {
    HostTool.require("node", "Debian: apt-get install nodejs npm; Node.js 18 or newer");
  }

  /** {@code npm ci} from the committed package-lock.json, unless .ci/run (or a developer) did. */
  private static void installDependencies() throws Exception {
    if (Files.isDirectory(example.resolve("node_modules/@grpc/grpc-js"))
        && Files.isDirectory(example.resolve("node_modules/@grpc/proto-loader"))) {
      return;
    }
    Path npm = HostTool.require("npm", "Debian: apt-get install npm");
    Path log = work.resolve("npm-ci.log");
    int exit =
        HostTool.run(
            new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund")
                .directory(example.toFile()),
            log,
            180);
    assertThat(exit).as("npm ci in %s; output:%n%s", example, Files.readString(log)).isZero();
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private static InferenceGrpc.InferenceBlockingStub call() {
    return stub.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Runs {@code node client.js <args>}; returns its exit code, its output in {@code log}. */
  private static int runNodeClient(Path log, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(node.toString(), "client.js"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(example.toFile());
    builder.environment().putAll(env);
    return HostTool.run(builder, log, 60);
  }

  @Test
  void nodeClient_sameRequestsAndSeeds_receivesBitIdenticalFloat32AsJavaClient() throws Exception {
    float[] pixels = new float[ROWS * FEATURES];
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble();
    }
    double[] exact = new double[pixels.length]; // float -> double is exact; Node rounds it back
    for (int i = 0; i < pixels.length; i++) {
      exact[i] = pixels[i];
    }
    Path input = work.resolve("x.json");
    JSON.writeValue(input.toFile(), Map.of("shape", List.of(ROWS, FEATURES), "data", exact));
    Path output = work.resolve("node-result.json");
    Path log = work.resolve("node-client.log");

    int exit =
        runNodeClient(
            log,
            Map.of("LATENTSERVE_INFERENCE_TARGET", server.target()),
            "--model",
            MODEL,
            "--input",
            input.toString(),
            "--seed",
            Long.toUnsignedString(SEED),
            "--k",
            Integer.toString(K),
            "--chunk-size",
            Integer.toString(CHUNK_SIZE),
            "--json",
            output.toString());
    String printed = Files.readString(log);
    assertThat(exit).as("node client exit code; output:%n%s", printed).isZero();
    assertThat(printed).contains("model demo/1 on " + server.target()).contains("log p(x) ~");
    JsonNode fromNode = JSON.readTree(output.toFile());

    // The same calls from Java, with the version pinned as the Node client pins it.
    ModelInfo info =
        call()
            .getModel(
                GetModelRequest.newBuilder().setModel(ModelRef.newBuilder().setName(MODEL)).build())
            .getModel();
    ModelRef model = ModelRef.newBuilder().setName(MODEL).setVersion(info.getVersion()).build();
    Tensor x = TensorCodec.encode(FloatTensor.of(pixels, ROWS, FEATURES));
    EncodeResponse encoded =
        call()
            .encode(
                EncodeRequest.newBuilder()
                    .setModel(model)
                    .setX(x)
                    .setSample(true)
                    .setSeed(SEED)
                    .build());
    LogProbRequest.Builder logProbRequest = LogProbRequest.newBuilder().setModel(model).setX(x);
    encoded.getLayersList().forEach(layer -> logProbRequest.addZ(layer.getSample()));
    LogProbResponse logProb = call().logProb(logProbRequest.build());
    List<ImportanceWeightsChunk> chunks = new ArrayList<>();
    Iterator<ImportanceWeightsChunk> stream =
        call()
            .importanceWeights(
                ImportanceWeightsRequest.newBuilder()
                    .setModel(model)
                    .setX(x)
                    .setK(K)
                    .setSeed(SEED)
                    .setChunkSize(CHUNK_SIZE)
                    .build());
    stream.forEachRemaining(chunks::add);

    assertThat(fromNode.at("/model/name").asText()).isEqualTo(MODEL);
    assertThat(fromNode.at("/model/version").asLong()).isEqualTo(info.getVersion());
    assertThat(fromNode.at("/x/shape").toString()).isEqualTo("[" + ROWS + "," + FEATURES + "]");

    JsonNode layers = fromNode.at("/encode/layers");
    assertThat(layers).hasSize(2).hasSize(encoded.getLayersCount());
    for (int l = 0; l < encoded.getLayersCount(); l++) {
      LatentDistribution expected = encoded.getLayers(l);
      JsonNode actual = layers.get(l);
      assertThat(actual.get("layer").asText()).isEqualTo(expected.getLayer());
      assertThat(actual.get("family").asText()).isEqualTo("gaussian");
      assertSameFloat32(
          actual.at("/parameters/mean"),
          expected.getGaussian().getMean(),
          expected.getLayer() + ".mean");
      assertSameFloat32(
          actual.at("/parameters/logVariance"),
          expected.getGaussian().getLogVariance(),
          expected.getLayer() + ".log_variance");
      assertSameFloat32(
          actual.get("sample"), expected.getSample(), expected.getLayer() + ".sample");
    }

    assertSameFloat32(
        fromNode.at("/logProb/logPxGivenZ"), logProb.getLogPxGivenZ(), "log_px_given_z");
    assertSameFloat32(fromNode.at("/logProb/logPz"), logProb.getLogPz(), "log_pz");
    assertSameFloat32(
        fromNode.at("/logProb/logQzGivenX"), logProb.getLogQzGivenX(), "log_qz_given_x");
    JsonNode logProbLayers = fromNode.at("/logProb/layers");
    assertThat(logProbLayers).hasSize(logProb.getLayersCount());
    for (int l = 0; l < logProb.getLayersCount(); l++) {
      String name = logProb.getLayers(l).getLayer();
      assertThat(logProbLayers.get(l).get("layer").asText()).isEqualTo(name);
      assertSameFloat32(
          logProbLayers.get(l).get("logPrior"),
          logProb.getLayers(l).getLogPrior(),
          name + ".log_prior");
      assertSameFloat32(
          logProbLayers.get(l).get("logPosterior"),
          logProb.getLayers(l).getLogPosterior(),
          name + ".log_posterior");
    }

    // The stream: the same chunks, and the same [ROWS, K] matrix once they are put together.
    JsonNode nodeChunks = fromNode.at("/importanceWeights/chunks");
    assertThat(nodeChunks).hasSize(chunks.size()).hasSize((K + CHUNK_SIZE - 1) / CHUNK_SIZE);
    float[] logWeights = new float[ROWS * K];
    for (int c = 0; c < chunks.size(); c++) {
      ImportanceWeightsChunk chunk = chunks.get(c);
      FloatTensor part = TensorCodec.decode("log_weights", chunk.getLogWeights());
      int count = (int) part.dim(1);
      assertThat(nodeChunks.get(c).get("sampleOffset").asInt()).isEqualTo(chunk.getSampleOffset());
      assertThat(nodeChunks.get(c).get("count").asInt()).isEqualTo(count);
      for (int i = 0; i < ROWS; i++) {
        System.arraycopy(
            part.data(), i * count, logWeights, i * K + chunk.getSampleOffset(), count);
      }
    }
    JsonNode nodeLogWeights = fromNode.at("/importanceWeights/logWeights");
    assertThat(nodeLogWeights.get("shape").toString()).isEqualTo("[" + ROWS + "," + K + "]");
    assertThat(float32Values(nodeLogWeights.get("data")))
        .as("log importance weights [%d, %d]", ROWS, K)
        .containsExactly(logWeights);

    // The example's own estimate: log (1/K) sum_j w_ij, from the same float32 weights.
    JsonNode iwll = fromNode.at("/summary/iwll");
    assertThat(iwll).hasSize(ROWS);
    for (int i = 0; i < ROWS; i++) {
      assertThat(iwll.get(i).asDouble())
          .as("IW-LL of row %d, nats", i)
          .isCloseTo(logMeanExp(logWeights, i * K, K), within(1e-9));
    }
  }

  @Test
  void nodeClient_unknownModel_exitsWithNotFound() throws Exception {
    Path log = work.resolve("node-client-unknown.log");

    int exit =
        runNodeClient(
            log, Map.of(), "--target", server.target(), "--model", "no-such-model", "--rows", "1");

    assertThat(exit).isEqualTo(1);
    assertThat(Files.readString(log)).contains("error: NOT_FOUND").contains("no-such-model");
  }

  /**
   * Asserts that a tensor the Node client wrote as JSON ({@code {"shape": [...], "data": [...]}})
   * holds exactly the float32 values of {@code expected}: AssertJ compares floats with {@link
   * Float#equals}, which compares bits.
   */
  private static void assertSameFloat32(JsonNode actual, Tensor expected, String what) {
    FloatTensor decoded = TensorCodec.decode(what, expected);
    assertThat(actual).as("%s in the Node client's output", what).isNotNull();
    long[] shape = new long[actual.get("shape").size()];
    for (int d = 0; d < shape.length; d++) {
      shape[d] = actual.get("shape").get(d).asLong();
    }
    assertThat(shape).as("%s shape", what).containsExactly(decoded.shape());
    assertThat(float32Values(actual.get("data"))).as(what).containsExactly(decoded.data());
  }

  /** Numbers as JSON has them, and "NaN", "Infinity", "-Infinity" as the client writes those. */
  private static float[] float32Values(JsonNode data) {
    float[] values = new float[data.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode v = data.get(i);
      values[i] = v.isTextual() ? Float.parseFloat(v.asText()) : (float) v.asDouble();
    }
    return values;
  }

  private static double logMeanExp(float[] values, int from, int count) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = from; j < from + count; j++) {
      max = Math.max(max, values[j]);
    }
    double sum = 0;
    for (int j = from; j < from + count; j++) {
      sum += Math.exp(values[j] - max);
    }
    return max + Math.log(sum / count);
  }
}
