package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.latentserve.cli.KubernetesSweep;
import io.latentserve.proto.v1.Architecture;
import io.latentserve.proto.v1.JobSpec;
import io.latentserve.proto.v1.Objective;
import io.latentserve.proto.v1.Optimizer;
import io.latentserve.proto.v1.StochasticLayerSpec;
import io.latentserve.proto.v1.SweepAxis;
import io.latentserve.proto.v1.SweepGroup;
import io.latentserve.proto.v1.SweepMode;
import io.latentserve.trainer.core.SweepConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Indexed Job that {@code latentserve sweep --emit kubernetes} writes parses strictly with the
 * Kubernetes model library, as every manifest in k8s/ does, and runs the trainer image against the
 * trainer's volume.
 */
class SweepJobManifestTest {
  @TempDir Path dir;

  @Test
  void emit_lagVaeGrid_indexedJobAndConfigMapParseStrictlyAndMatchTheTrainer() {
    JobSpec base =
        JobSpec.newBuilder()
            .setDataset("mnist-10k")
            .setArchitecture(
                Architecture.newBuilder()
                    .addLayers(StochasticLayerSpec.newBuilder().setLatentDim(16).addHidden(64)))
            .setObjective(
                Objective.newBuilder()
                    .setLagVae(Objective.LagVae.newBuilder().setMi(1).setE1(90).setE2(5)))
            .setOptimizer(Optimizer.newBuilder().setLearningRate(0.001).setBatchSize(250))
            .setEpochs(2)
            .setSeed(1)
            .build();
    List<SweepGroup> groups =
        List.of(
            SweepGroup.newBuilder()
                .setMode(SweepMode.SWEEP_MODE_GRID)
                .addAxes(SweepAxis.newBuilder().setField("mi").addValues("1").addValues("-1"))
                .addAxes(
                    SweepAxis.newBuilder()
                        .setField("e1")
                        .addValues("84")
                        .addValues("88")
                        .addValues("92"))
                .build());

    List<Path> files =
        KubernetesSweep.write(dir, base, "lag", groups, 4, KubernetesSweep.DEFAULT_IMAGE);

    List<ObjectNode> docs = DeployFiles.readDocuments(files.get(0));
    assertThat(docs).hasSize(2);
    ConfigMap configMap = (ConfigMap) StrictKubernetes.parse(docs.get(0), "configmap");
    Job job = (Job) StrictKubernetes.parse(docs.get(1), "job");
    SweepConfig config = SweepConfig.fromJson(configMap.getData().get("sweep.json"));
    assertThat(config.points()).hasSize(6);
    assertThat(config.points().get(5).values()).containsEntry("mi", "-1").containsEntry("e1", "92");
    assertThat(config.points().get(5).spec().modelName()).isEqualTo("lag-5");
    assertThat(DeployFiles.read(files.get(1))).isEqualTo(configMap.getData().get("sweep.json"));

    assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
    assertThat(job.getSpec().getCompletions()).isEqualTo(6);
    assertThat(job.getSpec().getParallelism()).isEqualTo(4);
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    Container worker = pod.getContainers().get(0);
    assertThat(worker.getArgs())
        .containsSubsequence(
            "train-worker",
            "--sweep-config",
            "/etc/sweep/sweep.json",
            "--index",
            "$(JOB_COMPLETION_INDEX)",
            "--repository",
            "/models");
    assertThat(worker.getEnv().get(0).getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.annotations['batch.kubernetes.io/job-completion-index']");

    // The trainer's image and volume: the points land in the repository the services read.
    Deployment trainer =
        (Deployment)
            StrictKubernetes.parse(
                DeployFiles.readDocuments(DeployFiles.base().resolve("trainer-deployment.yaml"))
                    .get(0),
                "trainer-deployment.yaml");
    Container trainerContainer = trainer.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(worker.getImage()).isEqualTo(trainerContainer.getImage());
    String claim =
        trainer.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getPersistentVolumeClaim() != null)
            .findFirst()
            .orElseThrow()
            .getPersistentVolumeClaim()
            .getClaimName();
    Volume data =
        pod.getVolumes().stream()
            .filter(v -> v.getPersistentVolumeClaim() != null)
            .findFirst()
            .orElseThrow();
    assertThat(data.getPersistentVolumeClaim().getClaimName()).isEqualTo(claim);
    assertThat(worker.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/models");
              assertThat(m.getName()).isEqualTo(data.getName());
              assertThat(m.getSubPath()).isEqualTo("models");
            });
    assertThat(trainerContainer.getArgs()).contains("/var/lib/latentserve/models");
    HasMetadata[] both = {configMap, job};
    for (HasMetadata r : both) {
      assertThat(r.getMetadata().getName()).isEqualTo("latentserve-sweep-lag");
    }
  }
}
