package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StrictKubernetesTest {
  private static final String DEPLOYMENT =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: d
        labels:
          app.kubernetes.io/name: d
      spec:
        replicas: 1
        selector:
          matchLabels:
            app.kubernetes.io/name: d
        template:
          metadata:
            labels:
              app.kubernetes.io/name: d
          spec:
            containers:
              - name: c
                image: latentserve/latentserve:1
                imagePullPolicy: IfNotPresent
                ports:
                  - name: grpc
                    containerPort: 50051
      """;

  /** Every YAML file under k8s/: resources, kustomizations and patches alike. */
  static Stream<Path> yamlFiles() {
    try (Stream<Path> files = Files.walk(DeployFiles.root().resolve("k8s"))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest
  @MethodSource("yamlFiles")
  void parse_everyManifestFile_parsesStrictly(Path file) {
    List<ObjectNode> docs = DeployFiles.readDocuments(file);
    assertThat(docs).isNotEmpty();
    if (file.getFileName().toString().equals("kustomization.yaml")) {
      assertThat(docs.get(0).path("kind").asText()).isEqualTo("Kustomization");
      return;
    }
    for (ObjectNode doc : docs) {
      if (doc.path("apiVersion").asText().startsWith("cert-manager.io/")) {
        assertCertManager(doc, file);
        continue;
      }
      HasMetadata r = StrictKubernetes.parse(doc, file.toString());
      assertThat(r.getMetadata().getName()).isNotBlank();
    }
  }

  /**
   * The spec fields of cert-manager.io/v1 that the optional overlay may use (fabric8 has no model).
   */
  private static final java.util.Map<String, java.util.Set<String>> CERT_MANAGER_SPEC =
      java.util.Map.of(
          "Issuer",
          java.util.Set.of("selfSigned", "ca", "acme", "vault", "venafi"),
          "Certificate",
          java.util.Set.of(
              "secretName",
              "secretTemplate",
              "commonName",
              "subject",
              "duration",
              "renewBefore",
              "dnsNames",
              "ipAddresses",
              "uris",
              "emailAddresses",
              "isCA",
              "usages",
              "privateKey",
              "issuerRef",
              "revisionHistoryLimit",
              "encodeUsagesInRequest"));

  private static void assertCertManager(ObjectNode doc, Path file) {
    String kind = doc.path("kind").asText();
    assertThat(doc.path("apiVersion").asText()).as("%s", file).isEqualTo("cert-manager.io/v1");
    assertThat(CERT_MANAGER_SPEC).as("%s: kind", file).containsKey(kind);
    assertThat(doc.at("/metadata/name").asText()).as("%s: metadata.name", file).isNotBlank();
    java.util.List<String> fields = new java.util.ArrayList<>();
    doc.path("spec").fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .as("%s: %s %s spec fields", file, kind, doc.at("/metadata/name").asText())
        .isNotEmpty()
        .isSubsetOf(CERT_MANAGER_SPEC.get(kind));
  }

  @Test
  void parse_validDeployment_returnsModel() {
    HasMetadata r = parse(DEPLOYMENT);

    assertThat(r).isInstanceOf(Deployment.class);
    Deployment d = (Deployment) r;
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(0))
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(50051));
  }

  @Test
  void parse_misspelledContainerField_isRejected() {
    String typo = DEPLOYMENT.replace("imagePullPolicy", "imagePullPolcy");

    assertThatThrownBy(() -> parse(typo))
        .isInstanceOf(StrictKubernetes.InvalidManifestException.class)
        .hasMessageContaining("spec.template.spec.containers[0].imagePullPolcy");
  }

  @Test
  void parse_misspelledTopLevelField_isRejected() {
    String typo = DEPLOYMENT.replace("spec:\n  replicas", "sepc:\n  replicas");

    assertThatThrownBy(() -> parse(typo)).hasMessageContaining("sepc");
  }

  @Test
  void parse_quotedPortNumber_isRejected() {
    String quoted = DEPLOYMENT.replace("containerPort: 50051", "containerPort: \"50051\"");

    assertThatThrownBy(() -> parse(quoted))
        .isInstanceOf(StrictKubernetes.InvalidManifestException.class);
  }

  @Test
  void parse_quotedReplicas_isRejected() {
    String quoted = DEPLOYMENT.replace("replicas: 1", "replicas: \"1\"");

    assertThatThrownBy(() -> parse(quoted)).hasMessageContaining("Cannot coerce String");
  }

  @Test
  void parse_quotedGracePeriod_isRejected() {
    String quoted =
        DEPLOYMENT.replace(
            "    spec:\n      containers:",
            "    spec:\n      terminationGracePeriodSeconds: \"45\"\n      containers:");

    assertThat(quoted).contains("terminationGracePeriodSeconds");
    assertThatThrownBy(() -> parse(quoted))
        .isInstanceOf(StrictKubernetes.InvalidManifestException.class);
  }

  @Test
  void parse_unquotedBooleanLabelValue_isRejected() {
    String unquoted =
        DEPLOYMENT.replace(
            "  labels:\n    app.kubernetes.io/name: d\n", "  labels:\n    x: true\n");

    assertThatThrownBy(() -> parse(unquoted))
        .isInstanceOf(StrictKubernetes.InvalidManifestException.class);
  }

  @Test
  void parse_unknownKind_isRejected() {
    String unknown = DEPLOYMENT.replace("kind: Deployment", "kind: Deploymnt");

    assertThatThrownBy(() -> parse(unknown)).hasMessageContaining("no model for apiVersion");
  }

  @Test
  void parse_serviceMonitorTypo_isRejected() {
    String monitor =
        """
        apiVersion: monitoring.coreos.com/v1
        kind: ServiceMonitor
        metadata:
          name: m
        spec:
          selector:
            matchLabels:
              a: b
          endpoints:
            - port: metrics
              intervall: 15s
        """;

    assertThat(parse(monitor.replace("intervall", "interval"))).isInstanceOf(ServiceMonitor.class);
    assertThatThrownBy(() -> parse(monitor)).hasMessageContaining("spec.endpoints[0].intervall");
  }

  private static HasMetadata parse(String yaml) {
    return StrictKubernetes.parse(DeployFiles.parseDocuments(yaml, "test").get(0), "test");
  }
}
