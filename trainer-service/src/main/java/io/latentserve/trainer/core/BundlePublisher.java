package io.latentserve.trainer.core;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.BundleException;
import io.latentserve.bundle.Manifest;
import io.latentserve.bundle.ModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.model.LatentserveVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a trained model as a bundle (its graphs from a {@link ModelExporter}) with its provenance
 * and publishes it atomically into a {@link ModelRepository}.
 *
 * <p>Publishing is idempotent per job: the bundle's provenance carries the job's id, and a job
 * whose bundle is already in the repository gets that bundle back instead of a second version. A
 * trainer that crashed after publishing but before recording the job's end resumes the job on
 * restart, and this is what keeps it from publishing the same job twice.
 */
public final class BundlePublisher {
  private static final Logger log = LoggerFactory.getLogger(BundlePublisher.class);

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
   * Exports and publishes {@code result} under the job's model name as the next version, unless the
   * job has already published it ({@link #findPublished}).
   *
   * @return the job's bundle
   */
  public Bundle publish(Job job, TrainingResult result, Instant created) {
    Optional<Bundle> earlier = findPublished(job);
    if (earlier.isPresent()) {
      Bundle b = earlier.get();
      log.info(
          "job {} had already published {}/{} before the trainer stopped: not publishing again",
          job.id(),
          b.modelName(),
          b.version());
      return b;
    }
    TrainingSpec spec = job.spec();
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
            job.id(),
            job.submittedBy());
    Manifest manifest =
        new Manifest(
            Manifest.FORMAT_VERSION,
            result.weights().architecture(),
            graphs.specs(),
            provenance,
            Map.of(),
            result.weights().logPartition());
    return repository.publish(spec.modelName(), manifest, graphs.files());
  }

  /**
   * The bundle {@code job} published, if the repository has one: the version whose provenance
   * carries the job's id. Versions are searched newest first and only down to the first one created
   * before the job was (a job's bundle is newer than the job, and versions only grow), so a model
   * with a long history costs one or two reads; an unreadable version is skipped.
   */
  public Optional<Bundle> findPublished(Job job) {
    String model = job.spec().modelName();
    List<Long> versions = repository.versions(model);
    for (int i = versions.size() - 1; i >= 0; i--) {
      Bundle bundle;
      try {
        bundle = repository.open(model, versions.get(i));
      } catch (BundleException e) {
        log.warn("job {}: skipping unreadable {}/{}", job.id(), model, versions.get(i), e);
        continue;
      }
      Provenance provenance = bundle.manifest().provenance();
      if (provenance.jobId().equals(job.id())) {
        return Optional.of(bundle);
      }
      if (provenance.created().isBefore(job.created())) {
        break;
      }
    }
    return Optional.empty();
  }
}
