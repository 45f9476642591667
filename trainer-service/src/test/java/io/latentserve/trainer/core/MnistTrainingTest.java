package io.latentserve.trainer.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.Provenance;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.Split;
import io.latentserve.model.LatentserveVersion;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.trainer.onnx.OnnxModelExporter;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short run on real MNIST digits (mnist-10k), published as a bundle. */
class MnistTrainingTest {
  @Test
  void trainAndPublish_mnistSubset_bundleWithProvenance(@TempDir Path root) throws IOException {
    DatasetCatalog catalog = SharedData.assumeCatalog("mnist-10k");
    TrainingData data =
        new TrainingData(
            catalog.load("mnist-10k", Split.TRAIN, 600),
            catalog.load("mnist-10k", Split.TEST, 100));
    TrainingSpec spec =
        new TrainingSpec(
            "mnist-iwae",
            "mnist-10k",
            VaeArchitecture.iwaeOneLayer(),
            new Objective.Iwae(2),
            1e-3,
            100,
            2,
            42,
            10);
    TrainingResult result =
        new TrainingLoop(
                spec,
                data,
                new SameDiffBackend(),
                CheckpointStore.none(),
                Duration.ofMinutes(1),
                Duration.ofSeconds(1),
                System::nanoTime)
            .run(p -> {}, () -> false);

    // 12 Adam steps from random weights: far from trained, well below the 543 nats of uniform
    // pixels
    assertThat(result.metrics().get("validation_iwae_k10")).isBetween(-400.0, -80.0);
    assertThat(result.metrics().get("train_iwae_k2")).isBetween(-400.0, -80.0);

    Instant created = Instant.parse("2026-01-02T03:04:05Z");
    Instant submitted = created.minusSeconds(60);
    Job job =
        new Job(
            "job-7", spec, JobState.RUNNING, "", 2, 12, 12, null, null, submitted, submitted, "");
    Bundle bundle =
        new BundlePublisher(new FileSystemModelRepository(root), new OnnxModelExporter())
            .publish(job, result, created);
    assertThat(bundle.version()).isEqualTo(1);
    Bundle reopened = new FileSystemModelRepository(root).open("mnist-iwae", 1);
    Provenance provenance = reopened.manifest().provenance();
    assertThat(provenance.dataset()).isEqualTo("mnist-10k");
    assertThat(provenance.seed()).isEqualTo(42);
    assertThat(provenance.epochs()).isEqualTo(2);
    assertThat(provenance.finalMetrics()).isEqualTo(result.metrics());
    assertThat(provenance.codeVersion()).isEqualTo(LatentserveVersion.get());
    assertThat(provenance.created()).isEqualTo(created);
    assertThat(provenance.jobId()).isEqualTo("job-7");
    assertThat(TrainingSpecJson.read(provenance.specJson())).isEqualTo(spec);
    assertThat(reopened.manifest().architecture()).isEqualTo(spec.architecture());
    for (GraphRole role : GraphRole.values()) {
      assertThat(Files.size(reopened.graphFile(role))).isPositive();
    }
  }
}
