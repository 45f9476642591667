package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.inference.app.InferenceConfig;
import io.latentserve.inference.app.InferenceServer;
import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code latentserve models} against a real inference-service on a loopback port serving a Gaussian
 * VAE and a sigmoid belief net: each row names every layer's family and the top prior.
 */
class ModelsCommandTest {
  @TempDir static Path dir;
  private static InferenceServer inference;

  @BeforeAll
  static void startService() throws IOException {
    FileSystemModelRepository repository = new FileSystemModelRepository(dir);
    Provenance provenance = new Provenance("{}", "none", 1, 0, Map.of(), "test", Instant.EPOCH);
    VaeBundles.publish(
        repository,
        "gauss",
        VaeWeights.random(
            new VaeArchitecture(
                16,
                List.of(new StochasticLayer("z1", 4, List.of(8))),
                Activation.TANH,
                LikelihoodFamily.BERNOULLI,
                0),
            1),
        provenance);
    VaeBundles.publish(
        repository,
        "sbn",
        VaeWeights.random(VaeArchitecture.sigmoidBeliefNet(16, 6, 3), 2),
        provenance);
    VaeBundles.publish(
        repository,
        "dvae",
        VaeWeights.random(
                VaeArchitecture.sigmoidBeliefNet(16, 8).withPrior(io.latentserve.model.Prior.RBM),
                3)
            .withLogPartition(
                new io.latentserve.model.LogPartition(
                    5.625, 0.0125, io.latentserve.model.LogPartition.AIS, 1000, 1024, 7)),
        provenance);
    inference =
        InferenceServer.create(
                InferenceConfig.builder()
                    .port(0)
                    .metricsPort(0)
                    .modelRepository(dir)
                    .device("cpu")
                    .intraOpThreads(1)
                    .shutdownGrace(Duration.ofSeconds(2))
                    .build())
            .start();
    awaitServing(inference.port());
  }

  @AfterAll
  static void stopService() {
    if (inference != null) {
      inference.shutdown();
    }
  }

  @Test
  void models_showsEachLayersFamilyAndThePrior() {
    StringWriter out = new StringWriter();
    var cli = LatentserveCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(new StringWriter()));

    int exitCode = cli.execute("models", "--target", "127.0.0.1:" + inference.port());

    assertThat(exitCode).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0)).contains("PRIOR").contains("LATENTS");
    assertThat(lines.get(1)).startsWith("dvae ").contains(" rbm ").endsWith(" z1(8 bernoulli)");
    assertThat(lines.get(2))
        .isEqualTo(
            "  rbm prior 4+4 units: log Z = 5.6250 +- 0.0125 (ais, 1000 temperatures, 1024"
                + " chains)");
    assertThat(lines.get(3))
        .startsWith("gauss ")
        .contains(" standard_normal ")
        .endsWith(" z1(4 gaussian)");
    assertThat(lines.get(4))
        .startsWith("sbn ")
        .contains(" learned ")
        .endsWith(" z1(6 bernoulli),z2(3 bernoulli)");
  }

  /** Blocks until the replica's health says SERVING, following its Watch stream. */
  private static void awaitServing(int port) {
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Context.CancellableContext watch = Context.current().withCancellation();
    try {
      watch.run(
          () -> {
            Iterator<HealthCheckResponse> updates =
                HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .watch(HealthCheckRequest.newBuilder().setService("").build());
            while (updates.next().getStatus() != ServingStatus.SERVING) {
              // the next update
            }
          });
    } finally {
      watch.cancel(null);
      channel.shutdownNow();
    }
  }
}
