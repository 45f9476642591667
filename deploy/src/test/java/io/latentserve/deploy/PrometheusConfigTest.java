package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrometheusConfigTest {
  private static final ExternalTool PROMTOOL = new ExternalTool("promtool");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");
  private static final Pattern DOCUMENTED =
      Pattern.compile(
          "^#\\s+\\$\\{([A-Z_]+)}\\s+(\\w+)-service --metrics-port \\(default (\\d+)\\)$",
          Pattern.MULTILINE);

  private static Path prometheusYml() {
    return DeployFiles.root().resolve("prometheus/prometheus.yml");
  }

  private static Path localYml() {
    return DeployFiles.root().resolve("prometheus/local.yml");
  }

  @Test
  void prometheusYml_kubernetesPods_scrapesExactlyTheMetricsPortOfEachService() {
    JsonNode config = DeployFiles.readDocuments(prometheusYml()).get(0);
    JsonNode job = config.path("scrape_configs").get(0);
    assertThat(config.path("scrape_configs").size()).isEqualTo(1);
    assertThat(job.at("/kubernetes_sd_configs/0/role").asText()).isEqualTo("pod");
    assertThat(job.at("/kubernetes_sd_configs/0/namespaces/names").toString())
        .contains("\"latentserve\"");

    Manifests cpu = Manifests.overlay("cpu");
    Map<String, String> scraped = new TreeMap<>();
    for (Deployment d : cpu.all(Deployment.class)) {
      for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
        for (ContainerPort p : c.getPorts()) {
          Map<String, String> target = relabel(job.path("relabel_configs"), discovered(d, p));
          if (target != null) {
            scraped.put(
                d.getMetadata().getName(),
                target.get("__address__") + target.get("__metrics_path__"));
            assertThat(target).containsEntry("namespace", "latentserve");
            assertThat(target)
                .containsEntry(
                    "component", ConsistencyChecks.podLabels(d).get(ConsistencyChecks.COMPONENT));
          }
        }
      }
    }

    assertThat(scraped)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "latentserve-inference", "10.0.0.1:9464/metrics",
                "latentserve-trainer", "10.0.0.1:9465/metrics",
                "latentserve-evaluator", "10.0.0.1:9466/metrics"));
  }

  @Test
  void prometheusYml_podOfAnotherApplication_isNotScraped() {
    JsonNode job = DeployFiles.readDocuments(prometheusYml()).get(0).at("/scrape_configs/0");
    Deployment d = Manifests.overlay("cpu").get(Deployment.class, "latentserve-inference");
    Map<String, String> meta =
        discovered(d, d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(1));
    meta.put("__meta_kubernetes_pod_label_app_kubernetes_io_part_of", "something-else");

    assertThat(relabel(job.path("relabel_configs"), meta)).isNull();
  }

  @Test
  void localYml_placeholders_areTheDocumentedMetricsPorts() {
    String text = DeployFiles.read(localYml());
    Set<String> used = new TreeSet<>();
    for (String line : text.lines().filter(l -> !l.strip().startsWith("#")).toList()) {
      for (Matcher m = PLACEHOLDER.matcher(line); m.find(); ) {
        used.add(m.group(1));
      }
    }
    Map<String, Integer> documented = new TreeMap<>();
    Map<String, Integer> defaults = new TreeMap<>();
    for (Matcher m = DOCUMENTED.matcher(text); m.find(); ) {
      documented.put(m.group(1), Integer.parseInt(m.group(3)));
      defaults.put("latentserve-" + m.group(2), Integer.parseInt(m.group(3)));
    }

    assertThat(used)
        .as("placeholders outside comments")
        .containsExactly(
            "EVALUATOR_METRICS_PORT", "INFERENCE_METRICS_PORT", "TRAINER_METRICS_PORT");
    assertThat(documented.keySet()).isEqualTo(used);
    assertThat(defaults).isEqualTo(metricsPorts(Manifests.base()));
  }

  @Test
  void localYml_filledIn_scrapesEachServiceOnLoopback() {
    JsonNode config = DeployFiles.parseDocuments(filledLocalYml(), "local.yml").get(0);

    Map<String, String> targets = new TreeMap<>();
    for (JsonNode job : config.path("scrape_configs")) {
      assertThat(job.at("/static_configs").size()).isEqualTo(1);
      assertThat(job.path("metrics_path").asText()).isEqualTo("/metrics");
      targets.put(job.path("job_name").asText(), job.at("/static_configs/0/targets/0").asText());
    }

    assertThat(targets)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "latentserve-inference", "127.0.0.1:19464",
                "latentserve-trainer", "127.0.0.1:19465",
                "latentserve-evaluator", "127.0.0.1:19466"));
  }

  @Test
  void promtool_localYml_isValid(@TempDir Path dir) throws IOException {
    assumeThat(PROMTOOL.available()).as("promtool on the PATH").isTrue();
    Path file = dir.resolve("local.yml");
    Files.writeString(file, filledLocalYml());

    ExternalTool.Result result =
        PROMTOOL.run(Duration.ofSeconds(60), "check", "config", file.toString());

    assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
  }

  @Test
  void promtool_prometheusYml_isValid() {
    assumeThat(PROMTOOL.available()).as("promtool on the PATH").isTrue();

    ExternalTool.Result result =
        PROMTOOL.run(Duration.ofSeconds(60), "check", "config", prometheusYml().toString());

    // Debian's Prometheus is built without Kubernetes service discovery
    assumeThat(result.stdout() + result.stderr())
        .as("promtool with Kubernetes service discovery")
        .doesNotContain("field kubernetes_sd_configs not found");
    assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
  }

  private static String filledLocalYml() {
    return DeployFiles.read(localYml())
        .replace("${INFERENCE_METRICS_PORT}", "19464")
        .replace("${TRAINER_METRICS_PORT}", "19465")
        .replace("${EVALUATOR_METRICS_PORT}", "19466");
  }

  private static Map<String, Integer> metricsPorts(Manifests m) {
    Map<String, Integer> ports = new TreeMap<>();
    for (Deployment d : m.all(Deployment.class)) {
      for (ContainerPort p :
          d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts()) {
        if (p.getName().equals("metrics")) {
          ports.put(d.getMetadata().getName(), p.getContainerPort());
        }
      }
    }
    return ports;
  }

  /** The target labels Kubernetes pod discovery gives one container port of a Deployment's pod. */
  private static Map<String, String> discovered(Deployment d, ContainerPort port) {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("__address__", "10.0.0.1:" + port.getContainerPort());
    meta.put("__metrics_path__", "/metrics");
    meta.put("__meta_kubernetes_namespace", d.getMetadata().getNamespace());
    meta.put("__meta_kubernetes_pod_name", d.getMetadata().getName() + "-0");
    meta.put("__meta_kubernetes_pod_container_port_name", port.getName());
    var template = d.getSpec().getTemplate().getMetadata();
    template
        .getLabels()
        .forEach((k, v) -> meta.put("__meta_kubernetes_pod_label_" + sanitize(k), v));
    template
        .getAnnotations()
        .forEach((k, v) -> meta.put("__meta_kubernetes_pod_annotation_" + sanitize(k), v));
    return meta;
  }

  private static String sanitize(String name) {
    return name.replaceAll("[^a-zA-Z0-9_]", "_");
  }

  /**
   * Prometheus relabelling (keep, drop, replace; anchored regexes, ";" separator, "$1" default
   * replacement): the target's labels, or null when it is dropped.
   */
  private static Map<String, String> relabel(JsonNode rules, Map<String, String> labels) {
    Map<String, String> l = new LinkedHashMap<>(labels);
    for (JsonNode rule : rules) {
      List<String> values = new ArrayList<>();
      rule.path("source_labels").forEach(s -> values.add(l.getOrDefault(s.asText(), "")));
      String joined = String.join(rule.path("separator").asText(";"), values);
      Matcher m = Pattern.compile(rule.path("regex").asText("(.*)")).matcher(joined);
      boolean matches = m.matches();
      switch (rule.path("action").asText("replace")) {
        case "keep" -> {
          if (!matches) {
            return null;
          }
        }
        case "drop" -> {
          if (matches) {
            return null;
          }
        }
        case "replace" -> {
          if (matches) {
            String value = m.replaceFirst(rule.path("replacement").asText("$1"));
            l.put(rule.path("target_label").asText(), value);
          }
        }
        default -> throw new IllegalArgumentException("action " + rule.path("action"));
      }
    }
    return l;
  }
}
