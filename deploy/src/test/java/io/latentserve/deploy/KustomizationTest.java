package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KustomizationTest {
  private static final ExternalTool KUBECTL = new ExternalTool("kubectl");

  static Stream<Path> kustomizations() {
    return Stream.of(
        DeployFiles.base(),
        DeployFiles.overlay("cpu"),
        DeployFiles.overlay("gpu"),
        DeployFiles.overlay("cert-manager"));
  }

  @Test
  void render_base_hasEachResourceOnceWithoutNamespace() {
    List<ObjectNode> resources = Kustomization.render(DeployFiles.base());

    assertThat(byKindAndName(resources)).hasSize(resources.size());
    assertThat(kinds(resources))
        .containsExactlyInAnyOrder(
            "ConfigMap",
            "PersistentVolumeClaim",
            "Deployment",
            "Deployment",
            "Deployment",
            "Service",
            "Service",
            "Service",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "NetworkPolicy",
            "NetworkPolicy",
            "NetworkPolicy",
            "ServiceMonitor",
            "ServiceMonitor",
            "ServiceMonitor");
    assertThat(resources).allSatisfy(r -> assertThat(r.at("/metadata/namespace").isMissingNode()));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void render_overlay_putsEveryResourceInTheLatentserveNamespace(String overlay) {
    List<ObjectNode> resources = Kustomization.render(DeployFiles.overlay(overlay));

    assertThat(resources).hasSize(Kustomization.render(DeployFiles.base()).size() + 1);
    for (ObjectNode r : resources) {
      if (r.path("kind").asText().equals("Namespace")) {
        assertThat(r.at("/metadata/name").asText()).isEqualTo("latentserve");
        assertThat(r.at("/metadata/labels/pod-security.kubernetes.io~1enforce").asText())
            .isEqualTo("restricted");
      } else {
        assertThat(r.at("/metadata/namespace").asText()).isEqualTo("latentserve");
      }
    }
  }

  static Stream<String> overlays() {
    return Stream.of("cpu", "gpu");
  }

  /** The renderer agrees with the real Kustomize wherever kubectl is installed. */
  @ParameterizedTest
  @MethodSource("kustomizations")
  void render_sameAsKubectlKustomize(Path dir) {
    assumeThat(KUBECTL.available()).as("kubectl on the PATH").isTrue();
    ExternalTool.Result kubectl = KUBECTL.run(Duration.ofSeconds(120), "kustomize", dir.toString());
    assertThat(kubectl.exitCode()).as(kubectl.stderr()).isZero();

    Map<String, ObjectNode> expected =
        byKindAndName(DeployFiles.parseDocuments(kubectl.stdout(), "kubectl kustomize"));
    Map<String, ObjectNode> actual = byKindAndName(Kustomization.render(dir));

    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach((key, tree) -> assertThat(actual.get(key)).as(key).isEqualTo(tree));
  }

  @Test
  void render_unsupportedField_isRefused(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        "resources: []\nimages:\n  - name: latentserve/latentserve\n    newTag: x\n");

    assertThatThrownBy(() -> Kustomization.render(dir))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("images");
  }

  @Test
  void render_patchOfMissingResource_isRefused(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        "resources:\n  - " + DeployFiles.base() + "\npatches:\n  - path: p.yaml\n");
    Files.writeString(
        dir.resolve("p.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: latentserve-nothing\n");

    assertThatThrownBy(() -> Kustomization.render(dir))
        .hasMessageContaining("Deployment/latentserve-nothing");
  }

  private static Map<String, ObjectNode> byKindAndName(List<ObjectNode> resources) {
    return resources.stream()
        .collect(
            Collectors.toMap(
                r -> r.path("kind").asText() + "/" + r.at("/metadata/name").asText(),
                r -> r,
                (a, b) -> {
                  throw new AssertionError(
                      "duplicate " + a.path("kind") + " " + a.at("/metadata/name"));
                },
                TreeMap::new));
  }

  private static List<String> kinds(List<ObjectNode> resources) {
    return resources.stream().map(r -> r.path("kind").asText()).toList();
  }
}
