package io.latentserve.evaluator.client;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.inference.app.InferenceConfig;
import io.latentserve.inference.app.InferenceServer;
import io.latentserve.model.VaeWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Real inference servers (ONNX Runtime on the CPU) on loopback ports, all serving one repository
 * with one published model. Public for the tests of other packages that need a real replica.
 */
public final class InferenceReplicas implements AutoCloseable {
  final List<InferenceServer> servers = new ArrayList<>();

  /** Publishes {@code weights} as {@code model} version 1 and starts {@code count} replicas. */
  public static InferenceReplicas start(
      Path repository, String model, VaeWeights weights, int count) {
    return start(repository, model, weights, new int[count]);
  }

  /**
   * Publishes {@code weights} as {@code model} version 1 and starts one replica on {@code port},
   * e.g. where a client has so far found nothing.
   */
  public static InferenceReplicas startOnPort(
      Path repository, String model, VaeWeights weights, int port) {
    return start(repository, model, weights, new int[] {port});
  }

  /**
   * Publishes {@code weights} as {@code model} version 1 and starts one replica with a memory
   * budget: it loads the model on the first request for it.
   */
  public static InferenceReplicas startWithBudget(
      Path repository, String model, VaeWeights weights, long budgetBytes) {
    publish(repository, model, weights);
    return new InferenceReplicas().add(repository, b -> b.port(0).memoryBudgetBytes(budgetBytes));
  }

  private static InferenceReplicas start(
      Path repository, String model, VaeWeights weights, int[] ports) {
    publish(repository, model, weights);
    InferenceReplicas replicas = new InferenceReplicas();
    for (int port : ports) {
      replicas.add(repository, b -> b.port(port));
    }
    return replicas;
  }

  /** Publishes {@code weights} as the next version of {@code model}; returns that version. */
  public static long publish(Path repository, String model, VaeWeights weights) {
    return VaeBundles.publish(
            new FileSystemModelRepository(repository),
            model,
            weights,
            new Provenance(
                "{\"generator\":\"test\"}",
                "none",
                42,
                0,
                Map.of(),
                "test",
                Instant.parse("2026-01-02T03:04:05Z")))
        .version();
  }

  /** No replica yet; {@link #add} starts them. */
  public static InferenceReplicas none() {
    return new InferenceReplicas();
  }

  /**
   * Starts one more replica over {@code repository} (already published into), with the test
   * defaults changed by {@code settings}, and waits until it is SERVING.
   */
  public InferenceReplicas add(Path repository, UnaryOperator<InferenceConfig.Builder> settings) {
    try {
      InferenceServer server =
          InferenceServer.create(
                  settings
                      .apply(
                          InferenceConfig.builder()
                              .port(0)
                              .metricsPort(0)
                              .modelRepository(repository)
                              .device("cpu")
                              .intraOpThreads(1)
                              .reloadInterval(Duration.ofSeconds(30))
                              .shutdownGrace(Duration.ofSeconds(5)))
                      .build())
              .start();
      servers.add(server);
      awaitServing(server.port());
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** {@code 127.0.0.1:p1,127.0.0.1:p2,...}. */
  public String target() {
    return servers.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","));
  }

  /** Blocks until the replica's health says SERVING, following its Watch stream. */
  private static void awaitServing(int port) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
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

  @Override
  public void close() {
    for (InferenceServer server : servers) {
      server.shutdown();
    }
  }
}
