package io.latentserve.cli;

import io.grpc.ManagedChannel;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a client command finds the inference-service, how it reaches it (TLS, token) and how long
 * it waits for an answer.
 */
final class TargetOptions {
  @Option(
      names = "--target",
      defaultValue = "${env:LATENTSERVE_INFERENCE_TARGET:-localhost:50051}",
      description =
          "inference-service address HOST:PORT (env LATENTSERVE_INFERENCE_TARGET; default: ${DEFAULT-VALUE}).")
  String target;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      description = "Deadline of each call, e.g. 10s or 2m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Mixin ClientSecurityOptions security;

  ManagedChannel channel() {
    return ServiceChannels.open("inference-service", target, security.security());
  }
}
