package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.latentserve.cli.LatentserveCli;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.model.FloatTensor;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.proto.v1.SampleRequest;
import io.latentserve.proto.v1.SampleResponse;
import io.latentserve.wire.TensorCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bring your own ONNX VAE, end to end: two VAEs whose encoders and decoders Python's {@code onnx}
 * package writes from NumPy weights (examples/byo-onnx/numpy_onnx_vae.py, an outside producer), a
 * linear-Gaussian VAE and a sigmoid belief net with 6 Bernoulli latents, imported with {@code
 * latentserve bundle import} run as its own process, then served by inference-service and evaluated
 * by evaluator-service like trained models. The script also computes the exact log p(x) of its data
 * (probabilistic PCA has a closed form; the belief net's 64 latent states are summed) and the
 * analytic rate: the services' IW-LL with k = 5000 must land within 3 Monte Carlo standard errors
 * of the exact figure, and the rate on the analytic one.
 */
class ByoOnnxIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration EVALUATION = Duration.ofSeconds(180);
  private static final String LINEAR = "linear-numpy";
  private static final String SBN = "sbn-numpy";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Room for float32 arithmetic in the served graphs, nats, beside the Monte Carlo error. */
  private static final double FLOAT32_SLACK = 1e-4;

  @TempDir Path work;

  @RegisterExtension
  final ServiceProcesses services = ServiceProcesses.stoppedAfterEach(ByoOnnxIT.class);

  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @Test
  void importedNumpyVaes_servedAndEvaluated_iwllWithinThreeStandardErrorsOfExact()
      throws Exception {
    Path python = HostTool.require("python3", "Debian: apt-get install python3 python3-pip");
    HostTool.requirePythonModules(
        python,
        List.of("onnx", "numpy"),
        "python3 -m pip install onnx==1.23.1 numpy==2.4.6, as .ci/run does");
    Path linear = writeModel(python, "linear-gaussian");
    Path sbn = writeModel(python, "sigmoid-belief-net");

    Path models = work.resolve("models");
    // The files the wrong way round: refused, naming what the contract expected.
    CliRun swapped =
        importWithCli(linear.resolve("dec.onnx"), linear.resolve("enc.onnx"), models, LINEAR);
    assertThat(swapped.exitCode()).as(swapped.output()).isNotZero();
    assertThat(swapped.output())
        .contains("bundle import: dec.onnx has no input x (named in the spec); its inputs are [z]");
    for (Path model : List.of(linear, sbn)) {
      String name = model.equals(linear) ? LINEAR : SBN;
      CliRun imported =
          importWithCli(model.resolve("enc.onnx"), model.resolve("dec.onnx"), models, name);
      assertThat(imported.exitCode()).as(imported.output()).isZero();
      assertThat(imported.output())
          .contains("self-check passed")
          .contains("published " + name + "/1");
    }

    ServiceProcess inference = services.start("inference", "--model-repository", models);
    ServiceProcess evaluator =
        services.start(
            "evaluator", "--inference-target", inference.target(), "--reports", work.resolve("r"));
    services.awaitServing(START, inference, evaluator);

    for (String name : List.of(LINEAR, SBN)) {
      JsonNode expected =
          JSON.readTree((name.equals(LINEAR) ? linear : sbn).resolve("expected.json").toFile());
      SampleResponse sampled = sample(inference, name, 7);
      FloatTensor xMean = TensorCodec.decode("x_mean", sampled.getXMean());
      assertThat(xMean.shape()).containsExactly(16, expected.get("inputDim").asLong());
      assertThat(sample(inference, name, 7)).isEqualTo(sampled);
      assertMatchesNumpy(name, evaluate(evaluator, name, expected), expected);
    }
  }

  private Path writeModel(Path python, String model) throws Exception {
    Path out = work.resolve(model);
    Path script = HostTool.sourceRoot().resolve("examples/byo-onnx/numpy_onnx_vae.py");
    Path log = work.resolve(model + ".log");
    int exit =
        HostTool.run(
            new ProcessBuilder(
                python.toString(), script.toString(), "--model", model, "--out", out.toString()),
            log,
            300);
    assertThat(exit).as("%s; output:%n%s", script, Files.readString(log)).isZero();
    return out;
  }

  private EvaluationReport evaluate(ServiceProcess evaluator, String model, JsonNode expected) {
    int examples = expected.get("examples").asInt();
    int width = expected.get("inputDim").asInt();
    float[] x = new float[examples * width];
    for (int i = 0; i < examples; i++) {
      for (int j = 0; j < width; j++) {
        x[i * width + j] = (float) expected.get("x").get(i).get(j).asDouble();
      }
    }
    EvaluateRequest request =
        EvaluateRequest.newBuilder()
            .setModel(ModelRef.newBuilder().setName(model))
            .setInlineData(TensorCodec.encode(FloatTensor.of(x, examples, width)))
            .setK(expected.get("k").asInt())
            .addMetrics(Metric.METRIC_IWLL)
            .addMetrics(Metric.METRIC_ELBO)
            .addMetrics(Metric.METRIC_RATES)
            .addMetrics(Metric.METRIC_MUTUAL_INFORMATION)
            .setSeed(11)
            .setLabel("imported " + model)
            .build();
    EvaluationReport report =
        Calls.evaluate(evaluatorStub(evaluator), request, EVALUATION, p -> {});
    assertThat(report.getExamples()).isEqualTo(examples);
    return report;
  }

  private static void assertMatchesNumpy(String model, EvaluationReport report, JsonNode expected) {
    double exact = expected.get("log_px_exact").asDouble();
    double monteCarloSe = expected.get("iwll_mc_se").asDouble();
    double iwll = report.getIwll().getValue();
    System.out.printf(
        "ByoOnnxIT %s: IW-LL k=%d through the services %.5f (report SE over examples %.5f);"
            + " NumPy: exact log p(x) %.5f, IW-LL %.5f, Monte Carlo SE %.5f; rate %.5f against"
            + " %.5f; MI aggregate %.4f (ceiling %.4f)%n",
        model,
        report.getK(),
        iwll,
        report.getIwll().getStandardError(),
        exact,
        expected.get("iwll_numpy").asDouble(),
        monteCarloSe,
        report.getLayers(0).getRate().getValue(),
        expected.get("rate_exact").asDouble(),
        report.getMutualInformation().getAggregate(),
        report.getMutualInformation().getAggregateCeiling());
    assertThat(Math.abs(iwll - exact))
        .as(
            "%s: |IW-LL %s - exact log p(x) %s|, Monte Carlo SE %s",
            model, iwll, exact, monteCarloSe)
        .isLessThanOrEqualTo(3 * monteCarloSe + FLOAT32_SLACK);
    assertThat(Math.abs(iwll - exact))
        .as("%s: within 3 of the report's own standard errors", model)
        .isLessThanOrEqualTo(3 * report.getIwll().getStandardError());
    assertThat(report.getElbo().getValue()).as("%s: ELBO below IW-LL", model).isLessThan(iwll);
    assertThat(report.getLayers(0).getRate().getValue())
        .as("%s rate: analytic KL(q(z|x) || p(z)), mean over the examples", model)
        .isCloseTo(expected.get("rate_exact").asDouble(), Offset.offset(1e-3));
    assertThat(report.getMutualInformation().getAggregate())
        .as("%s: aggregate mutual information", model)
        .isPositive()
        .isLessThanOrEqualTo(report.getMutualInformation().getAggregateCeiling() + 1e-9);
  }

  private SampleResponse sample(ServiceProcess inference, String model, long seed) {
    ManagedChannel channel = Calls.channel(inference);
    channels.add(channel);
    return InferenceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .sample(
            SampleRequest.newBuilder()
                .setModel(ModelRef.newBuilder().setName(model))
                .setN(16)
                .setSeed(seed)
                .setSampleX(true)
                .build());
  }

  private EvaluatorGrpc.EvaluatorBlockingStub evaluatorStub(ServiceProcess evaluator) {
    ManagedChannel channel = Calls.channel(evaluator);
    channels.add(channel);
    return EvaluatorGrpc.newBlockingStub(channel);
  }

  private record CliRun(int exitCode, String output) {}

  /** {@code latentserve bundle import ...} as its own process, on this JVM's classpath. */
  private CliRun importWithCli(Path encoder, Path decoder, Path models, String model)
      throws Exception {
    Path log = Files.createTempFile(work, "import", ".log");
    List<String> command =
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "-cp",
            System.getProperty("java.class.path"),
            LatentserveCli.class.getName(),
            "bundle",
            "import",
            "--encoder",
            encoder.toString(),
            "--decoder",
            decoder.toString(),
            "--spec",
            encoder.resolveSibling("model.json").toString(),
            models.resolve(model).toString());
    int exit = HostTool.run(new ProcessBuilder(command), log, 120);
    return new CliRun(exit, Files.readString(log));
  }
}
