package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.cli.LatentserveCli;
import io.latentserve.cli.ServiceProcess;
import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentserveVersion;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationReport;
import io.latentserve.proto.v1.EvaluatorGrpc;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelRef;
import io.latentserve.server.security.ChannelSecurity;
import io.latentserve.server.security.ChannelTls;
import io.latentserve.wire.TensorCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * inference- and evaluator-service as real processes with TLS, mTLS and bearer tokens, made the way
 * README.md's Security section makes them (openssl): the evaluator calls inference over mTLS with
 * its own token, a client with a token is served and one without is refused.
 */
class SecurityIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration EVALUATION = Duration.ofSeconds(120);
  private static final String EVALUATOR_TOKEN = "e".repeat(48);
  private static final String ALICE_TOKEN = "a".repeat(48);
  private static final String READER_TOKEN = "r".repeat(48);

  @RegisterExtension
  final ServiceProcesses services = ServiceProcesses.stoppedAfterEach(SecurityIT.class);

  @TempDir Path dir;

  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void evaluatorCallsInferenceOverMutualTlsWithItsOwnToken_clientsNeedTheirs() throws Exception {
    Path openssl = HostTool.require("openssl", "apt-get install openssl");
    Path certs = Files.createDirectories(dir.resolve("certs"));
    openssl(
        openssl,
        certs,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=latentserve test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt");
    issue(openssl, certs, "inference", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    issue(openssl, certs, "evaluator", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    issue(openssl, certs, "alice", "subjectAltName=DNS:alice");
    // inference knows the evaluator's token alone: a forwarded caller's token would be refused
    Path inferenceTokens =
        Files.writeString(dir.resolve("inference-tokens"), EVALUATOR_TOKEN + " read evaluator\n");
    Path evaluatorTokens =
        Files.writeString(
            dir.resolve("evaluator-tokens"),
            "# token roles subject\n"
                + ALICE_TOKEN
                + " evaluate,read alice\n"
                + READER_TOKEN
                + " read dashboards\n");
    Path evaluatorTokenFile = Files.writeString(dir.resolve("evaluator.token"), EVALUATOR_TOKEN);
    publishSmallModel(dir.resolve("models"));

    ServiceProcess inference =
        services.start(
            "inference",
            "--model-repository",
            dir.resolve("models"),
            "--tls-cert",
            certs.resolve("inference.crt"),
            "--tls-key",
            certs.resolve("inference.key"),
            "--tls-client-ca",
            certs.resolve("ca.crt"),
            "--auth-tokens",
            inferenceTokens);
    ServiceProcess evaluator =
        services.start(
            "evaluator",
            "--inference-target",
            inference.target(),
            "--inference-tls-ca",
            certs.resolve("ca.crt"),
            "--inference-tls-cert",
            certs.resolve("evaluator.crt"),
            "--inference-tls-key",
            certs.resolve("evaluator.key"),
            "--inference-token-file",
            evaluatorTokenFile,
            "--reports",
            dir.resolve("reports"),
            "--tls-cert",
            certs.resolve("evaluator.crt"),
            "--tls-key",
            certs.resolve("evaluator.key"),
            "--auth-tokens",
            evaluatorTokens);
    ChannelSecurity alice =
        new ChannelSecurity(
            certs.resolve("ca.crt"), certs.resolve("alice.crt"), certs.resolve("alice.key"), null);
    // health is open without a token, over TLS (and mTLS: alice's certificate)
    inference.awaitServing(START, elapsed -> {}, alice);
    evaluator.awaitServing(START, elapsed -> {}, alice);

    EvaluationReport report =
        Calls.evaluate(
            evaluatorStub(evaluator, alice.withToken(ALICE_TOKEN)), request(), EVALUATION, p -> {});
    assertThat(report.getExamples()).isEqualTo(16);
    assertThat(report.getIwll().getValue()).isFinite();

    assertThatThrownBy(
            () -> Calls.evaluate(evaluatorStub(evaluator, alice), request(), EVALUATION, p -> {}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(
            () ->
                Calls.evaluate(
                    evaluatorStub(evaluator, alice.withToken(READER_TOKEN)),
                    request(),
                    EVALUATION,
                    p -> {}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("needs role evaluate");
            });

    // the CLI, with mTLS and the evaluator's read token against inference; then without a token
    List<String> cli =
        List.of(
            "models",
            "--target",
            inference.target(),
            "--tls-ca",
            certs.resolve("ca.crt").toString(),
            "--tls-cert",
            certs.resolve("alice.crt").toString(),
            "--tls-key",
            certs.resolve("alice.key").toString());
    List<String> withToken = new ArrayList<>(cli);
    withToken.addAll(List.of("--token", EVALUATOR_TOKEN));
    String[] ok = run(withToken);
    assertThat(ok[0]).as("exit code; stderr: %s", ok[2]).isEqualTo("0");
    assertThat(ok[1]).contains("small");
    String[] refused = run(cli);
    assertThat(refused[0]).isEqualTo("3");
    assertThat(refused[2]).contains("UNAUTHENTICATED");

    // TLS on loopback: no plaintext warning in either log
    assertThat(ServiceProcesses.log(inference)).doesNotContain("plaintext gRPC");
    assertThat(ServiceProcesses.log(evaluator)).doesNotContain("plaintext gRPC");
  }

  /** {@code latentserve <args>} in this JVM: exit code, stdout, stderr. */
  private static String[] run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = LatentserveCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args.toArray(String[]::new));
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  private EvaluatorGrpc.EvaluatorBlockingStub evaluatorStub(
      ServiceProcess evaluator, ChannelSecurity security) {
    ChannelTls tls = ChannelTls.of(security, null);
    ManagedChannel channel =
        Grpc.newChannelBuilder(evaluator.target(), tls.credentials())
            .intercept(security.interceptors())
            .build();
    channels.add(channel);
    return EvaluatorGrpc.newBlockingStub(channel);
  }

  /** A certificate for {@code name} signed by the CA, as README.md's Security section makes it. */
  private static void issue(Path openssl, Path certs, String name, String subjectAltName)
      throws IOException, InterruptedException {
    openssl(
        openssl,
        certs,
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=" + name,
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr");
    Path ext = Files.writeString(certs.resolve(name + ".ext"), subjectAltName + "\n");
    openssl(
        openssl,
        certs,
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        ext.toString(),
        "-out",
        name + ".crt");
  }

  private static void openssl(Path openssl, Path dir, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(openssl.toString()));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("openssl %s: %s", String.join(" ", args), output).isZero();
  }

  private static EvaluateRequest request() {
    SplittableRandom random = new SplittableRandom(11);
    float[] pixels = new float[16 * 784];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextDouble() < 0.3 ? 1f : 0f;
    }
    return EvaluateRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName("small").setVersion(1))
        .setInlineData(TensorCodec.encode(FloatTensor.of(pixels, 16, 784)))
        .setK(10)
        .addMetrics(Metric.METRIC_IWLL)
        .setSeed(5)
        .build();
  }

  private static void publishSmallModel(Path root) {
    VaeArchitecture small =
        new VaeArchitecture(
            784,
            List.of(new StochasticLayer("z1", 8, List.of(32))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    VaeBundles.publish(
        new FileSystemModelRepository(root),
        "small",
        VaeWeights.random(small, 1),
        new Provenance(
            "{\"generator\":\"SecurityIT\"}",
            "none",
            1,
            0,
            Map.of(),
            LatentserveVersion.get(),
            Instant.now()));
  }
}
