package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlaysTest {
  private static final String VERSION = DeployFiles.projectVersion();
  private static final String GPU = "nvidia.com/gpu";

  /**
   * An OutOfMemoryError must end a service's process so that Kubernetes restarts the container,
   * never leave it running in an unknown state.
   */
  @Test
  void everyOverlay_everyService_exitsOnOutOfMemory() {
    for (String overlay : List.of("cpu", "gpu")) {
      Manifests manifests = Manifests.overlay(overlay);
      for (String name :
          List.of("latentserve-inference", "latentserve-trainer", "latentserve-evaluator")) {
        Container c =
            manifests
                .get(Deployment.class, name)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        assertThat(ConsistencyChecks.environment(manifests, c).get("JAVA_TOOL_OPTIONS"))
            .as("%s in overlay %s", name, overlay)
            .contains("-XX:+ExitOnOutOfMemoryError");
      }
    }
  }

  @Test
  void gpuOverlay_inference_runsTheCudaImageOnOneGpuNode() {
    Manifests gpu = Manifests.overlay("gpu");
    Deployment inference = gpu.get(Deployment.class, "latentserve-inference");
    PodSpec pod = inference.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);

    assertThat(c.getImage()).isEqualTo("latentserve/latentserve-gpu:" + VERSION);
    assertThat(ConsistencyChecks.environment(gpu, c)).containsEntry("LATENTSERVE_DEVICE", "cuda:0");
    assertThat(c.getResources().getRequests()).containsEntry(GPU, new Quantity("1"));
    assertThat(c.getResources().getLimits()).containsEntry(GPU, new Quantity("1"));
    assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
    assertThat(pod.getTolerations())
        .anySatisfy(
            t -> {
              assertThat(t.getKey()).isEqualTo(GPU);
              assertThat(t.getEffect()).isEqualTo("NoSchedule");
            });
    assertThat(tmp(pod).getEmptyDir().getSizeLimit().getNumericalAmount())
        .isGreaterThanOrEqualTo(new Quantity("4Gi").getNumericalAmount());
  }

  @Test
  void gpuOverlay_inference_keepsTheBaseSettings() {
    Deployment base = Manifests.base().get(Deployment.class, "latentserve-inference");
    Deployment gpu = Manifests.overlay("gpu").get(Deployment.class, "latentserve-inference");
    Container b = base.getSpec().getTemplate().getSpec().getContainers().get(0);
    Container g = gpu.getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(g.getArgs()).isEqualTo(b.getArgs());
    assertThat(g.getPorts()).isEqualTo(b.getPorts());
    assertThat(g.getReadinessProbe()).isEqualTo(b.getReadinessProbe());
    assertThat(g.getSecurityContext()).isEqualTo(b.getSecurityContext());
    assertThat(g.getVolumeMounts()).isEqualTo(b.getVolumeMounts());
    assertThat(g.getResources().getRequests()).containsAllEntriesOf(b.getResources().getRequests());
    assertThat(gpu.getSpec().getTemplate().getSpec().getVolumes())
        .hasSameSizeAs(base.getSpec().getTemplate().getSpec().getVolumes());
  }

  @Test
  void gpuOverlay_trainerAndEvaluator_stayOnCpu() {
    Manifests gpu = Manifests.overlay("gpu");
    for (String name : List.of("latentserve-trainer", "latentserve-evaluator")) {
      PodSpec pod = gpu.get(Deployment.class, name).getSpec().getTemplate().getSpec();

      assertThat(pod.getContainers().get(0).getImage())
          .isEqualTo("latentserve/latentserve:" + VERSION);
      assertThat(pod.getContainers().get(0).getResources().getLimits()).doesNotContainKey(GPU);
      assertThat(pod.getTolerations()).isNullOrEmpty();
    }
  }

  @Test
  void cpuOverlay_everyService_runsTheCpuImageOnAnyNode() {
    Manifests cpu = Manifests.overlay("cpu");
    for (Deployment d : cpu.all(Deployment.class)) {
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      Container c = pod.getContainers().get(0);

      assertThat(c.getImage()).isEqualTo("latentserve/latentserve:" + VERSION);
      assertThat(c.getResources().getLimits()).doesNotContainKey(GPU);
      assertThat(c.getResources().getRequests()).doesNotContainKey(GPU);
      assertThat(pod.getNodeSelector()).isNullOrEmpty();
      assertThat(ConsistencyChecks.environment(cpu, c)).containsEntry("LATENTSERVE_DEVICE", "auto");
    }
  }

  @Test
  void cpuOverlay_sameAsBaseApartFromTheNamespace() {
    Manifests base = Manifests.base();
    Manifests cpu = Manifests.overlay("cpu");

    assertThat(cpu.resources()).hasSize(base.resources().size() + 1);
    for (var r : base.resources()) {
      var inCpu = cpu.get(r.getClass(), r.getMetadata().getName());
      inCpu.getMetadata().setNamespace(null);
      assertThat(inCpu).as(r.getKind() + " " + r.getMetadata().getName()).isEqualTo(r);
    }
  }

  private static Volume tmp(PodSpec pod) {
    String name =
        pod.getContainers().get(0).getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/tmp"))
            .findFirst()
            .orElseThrow()
            .getName();
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
