package io.latentserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrafanaDashboardTest {
  private static final ExternalTool PROMTOOL = new ExternalTool("promtool");
  private static final Pattern METRIC =
      Pattern.compile("\\b((?:latentserve|grpc_server)_[a-z0-9_]+)\\b");
  private static final Pattern SELECTOR = Pattern.compile("\\b([a-z_][a-z0-9_]*)\\{([^}]*)}");
  private static final Pattern MATCHER =
      Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)");
  private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)}?");
  private static final Set<String> GRAFANA_VARIABLES =
      Set.of("__rate_interval", "__interval", "__range");

  private static JsonNode dashboard;
  private static Map<String, Set<String>> catalog;

  @BeforeAll
  static void load() throws IOException {
    dashboard =
        new ObjectMapper()
            .readTree(DeployFiles.root().resolve("grafana/latentserve-dashboard.json").toFile());
    catalog = MetricCatalog.all();
  }

  @Test
  void dashboard_everyPanel_hasAnIdAPlaceAndAPromqlQuery() {
    assertThat(dashboard.path("uid").asText()).isEqualTo("latentserve");
    assertThat(dashboard.path("title").asText()).isNotBlank();
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : panels()) {
      String title = panel.path("title").asText();
      assertThat(ids.add(panel.path("id").asInt())).as("unique id of " + title).isTrue();
      JsonNode grid = panel.path("gridPos");
      assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(title).isBetween(1, 24);
      assertThat(grid.path("h").asInt()).as(title).isPositive();
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      assertThat(panel.at("/datasource/uid").asText()).as(title).isEqualTo("${datasource}");
      assertThat(panel.path("targets").size()).as(title).isPositive();
      Set<String> refIds = new HashSet<>();
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.path("expr").asText()).as(title).isNotBlank();
        assertThat(refIds.add(target.path("refId").asText())).as(title + " refIds").isTrue();
      }
    }
  }

  /** The trainer's metrics are checked by PrometheusIT (see {@link MetricCatalog}). */
  @Test
  void dashboard_metricNames_areOnesTheServicesExpose() {
    for (String expr : expressions()) {
      for (String metric : metrics(expr)) {
        if (!metric.startsWith(MetricCatalog.TRAINER_PREFIX)) {
          assertThat(catalog).as("metric in: " + expr).containsKey(metric);
        }
      }
    }
  }

  @Test
  void dashboard_labelNames_existOnTheQueriedMetrics() {
    for (String expr : expressions()) {
      if (metrics(expr).stream().anyMatch(m -> m.startsWith(MetricCatalog.TRAINER_PREFIX))) {
        continue;
      }
      Set<String> available = new TreeSet<>(MetricCatalog.TARGET_LABELS);
      available.add("le");
      metrics(expr).forEach(m -> available.addAll(catalog.getOrDefault(m, Set.of())));
      for (String label : labels(expr)) {
        assertThat(available).as("label " + label + " in: " + expr).contains(label);
      }
    }
  }

  @Test
  void dashboard_coversThroughputLatencyBatchingModelsEvaluationAndTraining() {
    Set<String> used = new TreeSet<>();
    expressions().forEach(e -> used.addAll(metrics(e)));

    assertThat(used)
        .contains(
            "grpc_server_processing_duration_seconds_count",
            "grpc_server_processing_duration_seconds_bucket",
            "latentserve_rows_total",
            "latentserve_batch_size_rows_bucket",
            "latentserve_batch_queue_delay_seconds_bucket",
            "latentserve_batch_rejected_total",
            "latentserve_models_loaded",
            "latentserve_model_device",
            "latentserve_evaluations_running",
            "latentserve_evaluations_total",
            "latentserve_evaluation_examples_processed_total",
            "latentserve_evaluation_examples_done",
            "latentserve_evaluation_examples_planned",
            "latentserve_trainer_jobs",
            "latentserve_trainer_steps_total");
    assertThat(expressions())
        .anySatisfy(
            e ->
                assertThat(e)
                    .contains("histogram_quantile(0.99")
                    .contains("grpc_server_processing_duration_seconds_bucket"));
  }

  @Test
  void dashboard_variables_areDefined() {
    Set<String> defined = new HashSet<>(GRAFANA_VARIABLES);
    dashboard.at("/templating/list").forEach(v -> defined.add(v.path("name").asText()));

    for (String expr : expressions()) {
      for (Matcher m = VARIABLE.matcher(expr); m.find(); ) {
        assertThat(defined).as(expr).contains(m.group(1));
      }
    }
  }

  @Test
  void metricCatalog_inferenceService_exposesTheGrpcAndBatchingHistograms() {
    Map<String, Set<String>> scraped = MetricCatalog.inferenceService();

    assertThat(scraped.get("grpc_server_processing_duration_seconds_bucket"))
        .contains("service", "method", "methodType", "statusCode", "le");
    assertThat(scraped)
        .containsKeys(
            "grpc_server_requests_received_messages_total",
            "grpc_server_responses_sent_messages_total");
    assertThat(scraped.get("latentserve_batch_size_rows_bucket"))
        .contains("model", "version", "graph", "le");
    assertThat(scraped.get("latentserve_batch_queue_delay_seconds_bucket"))
        .contains("model", "version", "graph", "le");
  }

  @Test
  void readme_documentsEveryMetricTheDashboardQueries() {
    String readme = DeployFiles.read(DeployFiles.root().resolve("README.md"));

    for (String expr : expressions()) {
      for (String metric : metrics(expr)) {
        // a histogram is documented once, e.g. `..._seconds_{bucket,count}`
        assertThat(readme).as(metric).contains(metric.replaceAll("_(bucket|count|sum)$", ""));
      }
    }
  }

  @Test
  void metricCatalog_evaluatorService_exposesProgressAndThroughputWithTheirLabels() {
    Map<String, Set<String>> scraped = MetricCatalog.evaluatorService();

    assertThat(scraped.get("latentserve_evaluation_examples_done"))
        .containsExactlyInAnyOrder("model", "phase");
    assertThat(scraped.get("latentserve_evaluation_examples_planned"))
        .containsExactlyInAnyOrder("model", "phase");
    assertThat(scraped.get("latentserve_evaluation_examples_processed_total"))
        .containsExactlyInAnyOrder("model", "phase");
    assertThat(scraped.get("latentserve_evaluations_total")).containsExactly("state");
    assertThat(scraped).containsKey("latentserve_evaluations_running");
  }

  /** Every query is valid PromQL, checked by promtool as recording rules where it is installed. */
  @Test
  void promtool_everyQuery_parses(@TempDir Path dir) throws IOException {
    assumeThat(PROMTOOL.available()).as("promtool on the PATH").isTrue();
    ObjectMapper yaml = DeployFiles.YAML;
    ObjectNode rules = yaml.createObjectNode();
    ArrayNode group =
        rules.putArray("groups").addObject().put("name", "dashboard").putArray("rules");
    List<String> expressions = expressions();
    for (int i = 0; i < expressions.size(); i++) {
      String expr = expressions.get(i).replace("$__rate_interval", "1m").replace("$model", ".*");
      group.addObject().put("record", "dashboard:query" + i).put("expr", expr);
    }
    Path file = dir.resolve("rules.yml");
    Files.writeString(file, yaml.writeValueAsString(rules));

    ExternalTool.Result result =
        PROMTOOL.run(Duration.ofSeconds(60), "check", "rules", file.toString());

    assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
    assertThat(result.stdout()).contains(expressions.size() + " rules found");
  }

  private static List<JsonNode> panels() {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    return panels;
  }

  private static List<String> expressions() {
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : panels()) {
      panel.path("targets").forEach(t -> expressions.add(t.path("expr").asText()));
    }
    assertThat(expressions).isNotEmpty();
    return expressions;
  }

  private static Set<String> metrics(String expr) {
    Set<String> metrics = new TreeSet<>();
    for (Matcher m = METRIC.matcher(expr); m.find(); ) {
      metrics.add(m.group(1));
    }
    return metrics;
  }

  private static Set<String> labels(String expr) {
    Set<String> labels = new TreeSet<>();
    for (Matcher s = SELECTOR.matcher(expr); s.find(); ) {
      for (String matcher : s.group(2).split(",")) {
        Matcher m = MATCHER.matcher(matcher);
        if (m.lookingAt()) {
          labels.add(m.group(1));
        }
      }
    }
    for (Matcher b = BY.matcher(expr); b.find(); ) {
      for (String label : b.group(1).split(",")) {
        labels.add(label.strip());
      }
    }
    return labels;
  }
}
