package io.latentserve.bundle.onnx;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.Manifest;
import io.latentserve.bundle.ModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.LinkedHashMap;
import java.util.Map;

/** Exports a VAE's weights as ONNX graphs and publishes them as a new bundle version. */
public final class VaeBundles {
  private VaeBundles() {}

  /**
   * Writes every graph of {@code weights} and its manifest as the next version of {@code
   * modelName}.
   *
   * @return the published bundle with its assigned version
   */
  public static Bundle publish(
      ModelRepository repository, String modelName, VaeWeights weights, Provenance provenance) {
    ExportedGraphs graphs = VaeOnnxExporter.export(weights);
    return repository.publish(
        modelName,
        new Manifest(
            Manifest.FORMAT_VERSION,
            weights.architecture(),
            graphs.specs(),
            provenance,
            Map.of(),
            weights.logPartition()),
        files(graphs));
  }

  /**
   * Writes exported graphs, e.g. those of an {@link ImportedVae}, and their manifest as the next
   * version of {@code modelName}.
   *
   * @return the published bundle with its assigned version
   */
  public static Bundle publish(
      ModelRepository repository,
      String modelName,
      VaeArchitecture architecture,
      ExportedGraphs graphs,
      Provenance provenance) {
    Manifest manifest =
        new Manifest(Manifest.FORMAT_VERSION, architecture, graphs.specs(), provenance, Map.of());
    return repository.publish(modelName, manifest, files(graphs));
  }

  private static Map<String, byte[]> files(ExportedGraphs graphs) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (Map.Entry<GraphRole, byte[]> graph : graphs.models().entrySet()) {
      files.put(graphs.specs().get(graph.getKey()).file(), graph.getValue());
    }
    return files;
  }
}
