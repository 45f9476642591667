package io.latentserve.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DashboardQueriesTest {
  @Test
  void parse_histogramQuantileOverARatio_findsEveryMetricAndLabel() {
    DashboardQueries.Query q =
        DashboardQueries.parse(
            "q",
            "histogram_quantile(0.95, sum by (le, graph) (rate(a_seconds_bucket{model=~\"$model\","
                + "statusCode!=\"OK\"}[$__rate_interval]))) / on(graph) group_left(version) "
                + "sum without (instance) (b_total offset 5m) * 1e4 > bool 0.5");

    assertThat(q.metrics()).containsExactlyInAnyOrder("a_seconds_bucket", "b_total");
    assertThat(q.labels())
        .containsExactlyInAnyOrder("le", "graph", "model", "statusCode", "version", "instance");
  }

  @Test
  void parse_bareMetricAndStringsThatLookLikeNames_takesOnlyTheMetric() {
    DashboardQueries.Query q =
        DashboardQueries.parse("q", "sum(up{job=\"not_a_metric\"}) or vector(0)");

    assertThat(q.metrics()).containsExactly("up");
    assertThat(q.labels()).containsExactly("job");
  }

  @Test
  void read_theDashboard_hasQueriesAndTheModelVariable() {
    List<DashboardQueries.Query> queries =
        DashboardQueries.read(
            HostTool.sourceRoot().resolve("deploy/grafana/latentserve-dashboard.json"));

    assertThat(queries).hasSizeGreaterThan(10).allMatch(q -> !q.metrics().isEmpty());
    assertThat(queries)
        .anySatisfy(
            q -> {
              assertThat(q.where()).isEqualTo("variable $model");
              assertThat(q.metrics()).containsExactly("latentserve_model_device");
              assertThat(q.labels()).containsExactly("model");
            });
  }
}
