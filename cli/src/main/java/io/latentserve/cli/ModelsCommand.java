package io.latentserve.cli;

import io.grpc.ManagedChannel;
import io.latentserve.proto.v1.InferenceGrpc;
import io.latentserve.proto.v1.ListModelsRequest;
import io.latentserve.proto.v1.ModelInfo;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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
          "%-24s %-15s %-6s %-10s %-9s %-24s %-15s %s%n",
          "MODEL",
          "VERSION",
          "DEVICE",
          "INPUT",
          "CONDITION",
          "LIKELIHOOD",
          "PRIOR",
          "LATENTS (layer 1 first)");
      Map<String, Long> latest = new HashMap<>();
      models.forEach(m -> latest.merge(m.getName(), m.getVersion(), Math::max));
      for (ModelInfo m : models) {
        out.printf(
            "%-24s %-15s %-6s %-10s %-9s %-24s %-15s %s%n",
            m.getName(),
            m.getVersion() == latest.get(m.getName())
                ? m.getVersion() + " latest"
                : Long.toString(m.getVersion()),
            m.getDevice(),
            m.getInputShapeList(),
            m.getConditionDim() == 0 ? "-" : "[" + m.getConditionDim() + "]",
            Jobs.name(m.getLikelihood()),
            Jobs.name(m.getPrior()).toLowerCase(Locale.ROOT),
            m.getLatentLayersList().stream()
                .map(
                    l ->
                        l.getName()
                            + "("
                            + l.getDim()
                            + " "
                            + Jobs.name(l.getFamily()).toLowerCase(Locale.ROOT)
                            + ")")
                .collect(Collectors.joining(",")));
        if (m.hasRbmPrior()) {
          var r = m.getRbmPrior();
          out.printf(
              Locale.ROOT,
              "  rbm prior %d+%d units: log Z = %.4f +- %.4f (%s%s)%n",
              r.getN1(),
              r.getN2(),
              r.getLogZ(),
              r.getLogZStandardError(),
              r.getLogZMethod(),
              r.getAisChains() > 0
                  ? ", " + r.getAisTemperatures() + " temperatures, " + r.getAisChains() + " chains"
                  : "");
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }
}
