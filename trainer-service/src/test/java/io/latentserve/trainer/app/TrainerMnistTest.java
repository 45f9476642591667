package io.latentserve.trainer.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.proto.v1.Architecture;
import io.latentserve.proto.v1.Job;
import io.latentserve.proto.v1.JobEvent;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.JobState;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.Optimizer;
import io.latentserve.proto.v1.SubmitJobRequest;
import io.latentserve.proto.v1.TrainerGrpc;
import io.latentserve.proto.v1.WatchJobRequest;
import io.latentserve.trainer.core.SharedData;
import io.latentserve.trainer.samediff.SameDiffBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One epoch of the IWAE paper's one-layer model on mnist-10k through the gRPC API. */
class TrainerMnistTest {
  @Test
  void submitJob_mnistPresetOneEpoch_publishesAVerifiedBundle(@TempDir Path dir) throws Exception {
    DatasetCatalog catalog = SharedData.assumeCatalog("mnist-10k");
    TrainerConfig config =
        TrainerConfig.builder()
            .metricsPort(0)
            .modelRepository(dir.resolve("models"))
            .dataDir(catalog.dataDir())
            .jobsDir(dir.resolve("jobs"))
            .shutdownGrace(Duration.ofSeconds(5))
            .build();
    String name = InProcessServerBuilder.generateName();
    try (TrainerServer server =
        new TrainerServer(
                config,
                InProcessServerBuilder.forName(name),
                new CatalogDatasetSource(config.dataDir()),
                new SameDiffBackend())
            .start()) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      try {
        TrainerGrpc.TrainerBlockingStub trainer =
            TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
        JobSpec spec =
            JobSpec.newBuilder()
                .setModelName("mnist-iwae")
                .setDataset("mnist-10k")
                .setArchitecture(
                    Architecture.newBuilder().setPreset(Architecture.Preset.PRESET_IWAE_1_LAYER))
                .setObjective(Objective.newBuilder().setIwae(Objective.Iwae.newBuilder().setK(1)))
                .setOptimizer(Optimizer.newBuilder().setLearningRate(1e-3).setBatchSize(100))
                .setEpochs(1)
                .setSeed(1)
                .setValidationK(2)
                .build();
        Job job = trainer.submitJob(SubmitJobRequest.newBuilder().setSpec(spec).build()).getJob();
        // 8,000 training digits less the 800 held out for validation, 100 a step
        assertThat(job.getTotalSteps()).isEqualTo(72);
        List<JobEvent> events = new ArrayList<>();
        trainer
            .watchJob(WatchJobRequest.newBuilder().setJobId(job.getJobId()).build())
            .forEachRemaining(events::add);
        JobEvent last = events.get(events.size() - 1);
        assertThat(last.getJob().getState()).isEqualTo(JobState.JOB_STATE_SUCCEEDED);
        // one epoch from random weights: far from the paper's ~87 nats, far better than chance
        assertThat(last.getValidationBound()).isBetween(-250.0, -100.0);
        Bundle bundle = new FileSystemModelRepository(dir.resolve("models")).open("mnist-iwae", 1);
        assertThat(bundle.manifest().architecture().inputDim()).isEqualTo(784);
        assertThat(bundle.manifest().provenance().finalMetrics())
            .containsKeys("train_loss", "train_elbo", "validation_iwae_k2");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
