package io.latentserve.trainer.core;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.Manifest;
import io.latentserve.bundle.ModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.model.LatentserveVersion;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a trained model as a bundle (its graphs from a {@link ModelExporter}) with its provenance
 * and publishes it atomically into a {@link ModelRepository}.
 */
public final class BundlePublisher {
  private final ModelRepository repository;
  private final ModelExporter exporter;

  public BundlePublisher(ModelRepository repository, ModelExporter exporter) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.exporter = Objects.requireNonNull(exporter, "exporter");
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
    return publish(spec, result, created, "");
  }

  /**
   * As {@link #publish(TrainingSpec, TrainingResult, Instant)}, recording {@code publishedBy} (who
   * submitted the job; empty if unknown) in the provenance.
   */
  public Bundle publish(
      TrainingSpec spec, TrainingResult result, Instant created, String publishedBy) {
    ExportedModel graphs = exporter.export(result.weights());
    Provenance provenance =
        new Provenance(
            TrainingSpecJson.write(spec),
            spec.dataset(),
            spec.seed(),
            spec.epochs(),
            result.metrics(),
            LatentserveVersion.get(),
            created,
            publishedBy);
    Manifest manifest =
        new Manifest(
            Manifest.FORMAT_VERSION,
            result.weights().architecture(),
            graphs.specs(),
            provenance,
            Map.of());
    return repository.publish(spec.modelName(), manifest, graphs.files());
  }
}
