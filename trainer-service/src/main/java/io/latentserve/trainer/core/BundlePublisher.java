package io.latentserve.trainer.core;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.Manifest;
import io.latentserve.bundle.ModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.ExportedGraphs;
import io.latentserve.bundle.onnx.VaeOnnxExporter;
import io.latentserve.model.LatentserveVersion;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a trained model as an ONNX bundle ({@link VaeOnnxExporter}) with its provenance and
 * publishes it atomically into a {@link ModelRepository}.
 */
public final class BundlePublisher {
  private final ModelRepository repository;

  public BundlePublisher(ModelRepository repository) {
    this.repository = Objects.requireNonNull(repository, "repository");
  }

  public ModelRepository repository() {
    return repository;
  }

  /**
   * Exports and publishes {@code result} under the spec's model name as the next version.
   *
   * @return the published bundle
   */
  public Bundle publish(TrainingSpec spec, TrainingResult result, Instant created) {
    ExportedGraphs graphs = VaeOnnxExporter.export(result.weights());
    Provenance provenance =
        new Provenance(
            TrainingSpecJson.write(spec),
            spec.dataset(),
            spec.seed(),
            spec.epochs(),
            result.metrics(),
            LatentserveVersion.get(),
            created);
    Manifest manifest =
        new Manifest(
            Manifest.FORMAT_VERSION,
            result.weights().architecture(),
            graphs.specs(),
            provenance,
            Map.of());
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (GraphRole role : graphs.specs().keySet()) {
      files.put(graphs.specs().get(role).file(), graphs.model(role));
    }
    return repository.publish(spec.modelName(), manifest, files);
  }
}
