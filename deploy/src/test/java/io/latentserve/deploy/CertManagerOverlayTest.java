package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The optional cert-manager overlay issues the Secret every Deployment mounts, for every name a
 * client dials (fabric8 has no cert-manager model: its resources are read as YAML trees).
 */
class CertManagerOverlayTest {
  private final List<ObjectNode> rendered =
      Kustomization.render(DeployFiles.overlay("cert-manager"));
  private final Manifests cpu = Manifests.overlay("cpu");

  private ObjectNode certificate(String name) {
    return rendered.stream()
        .filter(r -> r.path("kind").asText().equals("Certificate"))
        .filter(r -> r.at("/metadata/name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Certificate " + name));
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void render_isTheCpuOverlayPlusIssuersAndCertificates() {
    assertThat(rendered).hasSize(cpu.resources().size() + 4);
    assertThat(rendered)
        .filteredOn(r -> r.path("apiVersion").asText().equals("cert-manager.io/v1"))
        .extracting(r -> r.path("kind").asText())
        .containsExactlyInAnyOrder("Issuer", "Issuer", "Certificate", "Certificate");
    assertThat(rendered)
        .filteredOn(r -> !r.path("kind").asText().equals("Namespace"))
        .allSatisfy(r -> assertThat(r.at("/metadata/namespace").asText()).isEqualTo("latentserve"));
  }

  @Test
  void servingCertificate_isTheSecretEveryDeploymentMounts() {
    String secret = certificate("latentserve-tls").at("/spec/secretName").asText();

    for (Deployment d : cpu.all(Deployment.class)) {
      List<Volume> volumes = d.getSpec().getTemplate().getSpec().getVolumes();
      assertThat(volumes)
          .as(d.getMetadata().getName())
          .anySatisfy(
              v -> {
                assertThat(v.getName()).isEqualTo("tls");
                assertThat(v.getSecret().getSecretName()).isEqualTo(secret);
              });
    }
  }

  @Test
  void servingCertificate_namesEveryServiceAndTheEvaluatorsTarget_forServerAndClient() {
    ObjectNode tls = certificate("latentserve-tls");
    List<String> names = texts(tls.at("/spec/dnsNames"));

    for (Service s : cpu.all(Service.class)) {
      String name = s.getMetadata().getName();
      assertThat(names).contains(name, name + ".latentserve.svc");
    }
    String target =
        ConsistencyChecks.environment(
                cpu,
                cpu.get(Deployment.class, "latentserve-evaluator")
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0))
            .get("LATENTSERVE_INFERENCE_TARGET");
    // dns:///host:port: the host the evaluator checks the certificate against
    assertThat(names).contains(URI.create(target).getPath().substring(1).split(":")[0]);
    assertThat(texts(tls.at("/spec/usages"))).contains("server auth", "client auth");
    assertThat(tls.at("/spec/issuerRef/name").asText()).isEqualTo("latentserve-ca");
  }
}
