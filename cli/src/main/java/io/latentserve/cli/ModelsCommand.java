package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.ModelInfo;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code latentserve models}: what a running inference-service serves. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "List the models and versions a running inference-service serves.")
final class ModelsCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin TargetOptions target;

  @Override
  public void run() {
    ManagedChannel channel = target.channel();
    try {
      var models =
          InferenceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(target.timeout.toMillis(), TimeUnit.MILLISECONDS)
              .listModels(ListModelsRequest.getDefaultInstance())
              .getModelsList();
      var out = spec.commandLine().getOut();
      if (models.isEmpty()) {
        out.println("no models loaded");
        return;
      }
      out.printf(
          "%-24s %8s  %-6s %-10s %-9s %-24s %-15s %s%n",
          "MODEL",
          "VERSION",
          "DEVICE",
          "INPUT",
          "CONDITION",
          "LIKELIHOOD",
          "PRIOR",
          "LATENTS (layer 1 first)");
      for (ModelInfo m : models) {
        out.printf(
            "%-24s %8d  %-6s %-10s %-9s %-24s %-15s %s%n",
            m.getName(),
            m.getVersion(),
            m.getDevice(),
            m.getInputShapeList(),
            m.getConditionDim() == 0 ? "-" : "[" + m.getConditionDim() + "]",
            m.getLikelihood(),
            name(m.getPrior(), m.getPriorValue(), "PRIOR_"),
            m.getLatentLayersList().stream()
                .map(
                    l ->
                        l.getName()
                            + "("
                            + l.getDim()
                            + " "
                            + name(l.getFamily(), l.getFamilyValue(), "LATENT_FAMILY_")
                            + ")")
                .collect(Collectors.joining(",")));
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * An API enum value as the manifest names it, e.g. "bernoulli" for LATENT_FAMILY_BERNOULLI; a
   * value this CLI does not know (from a newer server) as "unknown(N)".
   */
  private static String name(Enum<?> value, int number, String prefix) {
    String name = value.name();
    if (name.equals("UNRECOGNIZED")) {
      return "unknown(" + number + ")";
    }
    return name.startsWith(prefix)
        ? name.substring(prefix.length()).toLowerCase(Locale.ROOT)
        : name;
  }
}
