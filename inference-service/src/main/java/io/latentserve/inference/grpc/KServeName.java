package io.latentserve.inference.grpc;

import io.latentserve.inference.core.InvalidInputException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A model name of the Open Inference Protocol, {@code <model>.<graph>} (e.g. {@code demo.encode}),
 * with its {@code model_version}: which served VAE, which of its operations, which version.
 *
 * @param model the latentserve model name
 * @param graph the operation
 * @param version the version, or 0 for the latest
 */
record KServeName(String model, KServeGraph graph, long version) {

  /** The KServe name of this graph of {@code model}, e.g. {@code demo.log_prob}. */
  static String of(String model, KServeGraph graph) {
    return model + "." + graph.suffix();
  }

  /**
   * Parses a request's name and version.
   *
   * @param field the name's field in messages, e.g. {@code model_name}
   * @param versionField the version's field in messages, e.g. {@code model_version}
   * @throws InvalidInputException for a name without a known graph suffix or a malformed version
   */
  static KServeName parse(String field, String name, String versionField, String version) {
    int dot = name.lastIndexOf('.');
    KServeGraph graph = dot > 0 ? KServeGraph.bySuffix(name.substring(dot + 1)) : null;
    if (graph == null) {
      throw new InvalidInputException(
          field,
          field
              + " is '"
              + name
              + "', expected <model>.<graph> with graph one of "
              + Arrays.stream(KServeGraph.values())
                  .map(KServeGraph::suffix)
                  .collect(Collectors.joining(", "))
              + " (e.g. demo.encode)");
    }
    return new KServeName(name.substring(0, dot), graph, parseVersion(versionField, version));
  }

  private static long parseVersion(String field, String version) {
    if (version.isEmpty()) {
      return 0;
    }
    long parsed;
    try {
      parsed = Long.parseLong(version);
    } catch (NumberFormatException e) {
      parsed = -1;
    }
    if (parsed < 1) {
      throw new InvalidInputException(
          field,
          field + " is '" + version + "', expected a version number >= 1, or empty for the latest");
    }
    return parsed;
  }
}
