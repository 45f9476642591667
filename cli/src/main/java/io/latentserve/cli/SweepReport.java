package io.latentserve.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * A sweep's report, from its points' evaluations: {@code report.html} with a table of every point's
 * axis values, state and metrics; {@code points.json} with the same numbers; for a sweep of LagVAE
 * or InfoVAE points {@code mi-consistency.png}, the mutual information against consistency (NLL +
 * KL) with train and test panels and the Pareto front marked; and for each two-axis grid group a
 * heatmap of test consistency over its axes ({@link #heatmaps}).
 */
final class SweepReport {
  static final String HTML = "report.html";
  static final String PLANE = "mi-consistency.png";
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SweepReport() {}

  /**
   * One split's metrics of a point, nats per example; NaN when not computed.
   *
   * @param mi the mutual information I(x;z) estimate
   * @param miEstimator which estimator gave {@code mi}, e.g. "aggregate (capped at log N)"
   * @param nll distortion E_q[-log p(x|z)]
   * @param kl rate KL(q(z|x) || p(z))
   * @param consistency NLL + KL (= -ELBO)
   */
  record Split(
      double mi,
      double miStandardError,
      String miEstimator,
      double nll,
      double kl,
      double consistency,
      double consistencyStandardError,
      int examples) {
    static final Split NONE =
        new Split(Double.NaN, 0, "", Double.NaN, Double.NaN, Double.NaN, 0, 0);
  }

  /**
   * One point.
   *
   * @param family "lag_vae mi>0", "lag_vae mi<=0", "info_vae" or the objective's name
   * @param spec the point's notable spec values (objective parameters, epochs, seed)
   * @param finalMetrics the bundle's provenance final metrics (multipliers, bounds)
   */
  record Point(
      int index,
      Map<String, String> values,
      String family,
      Map<String, String> spec,
      String state,
      String model,
      long version,
      Map<String, Double> finalMetrics,
      Split train,
      Split test) {}

  /** A two-axis grid: its axes' names and values, and per cell the point's index (-1 if none). */
  record Grid(
      String rowAxis, List<String> rows, String columnAxis, List<String> columns, int[][] index) {}

  /**
   * Writes the report into {@code dir} (created if missing).
   *
   * @return the HTML page's path
   */
  static Path write(
      Path dir, String title, Map<String, String> facts, List<Point> points, List<Grid> grids) {
    try {
      Files.createDirectories(dir);
      List<String> images = new ArrayList<>();
      if (points.stream()
          .anyMatch(p -> p.family().startsWith("lag_vae") || p.family().startsWith("info_vae"))) {
        ImageIO.write(plane(points), "png", dir.resolve(PLANE).toFile());
        images.add(PLANE);
      }
      int g = 0;
      for (Grid grid : grids) {
        String name = "heatmap-" + g++ + "-test-consistency.png";
        ImageIO.write(heatmap(grid, points), "png", dir.resolve(name).toFile());
        images.add(name);
      }
      Files.writeString(dir.resolve("points.json"), MAPPER.writeValueAsString(points));
      Path html = dir.resolve(HTML);
      Files.writeString(html, html(title, facts, points, images), StandardCharsets.UTF_8);
      return html;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sweep report in " + dir, e);
    }
  }

  static BufferedImage plane(List<Point> points) {
    int n = points.size();
    double[][] cons = new double[2][n];
    double[][] mi = new double[2][n];
    for (int i = 0; i < n; i++) {
      Point p = points.get(i);
      cons[0][i] = p.train().consistency();
      mi[0][i] = p.train().mi();
      cons[1][i] = p.test().consistency();
      mi[1][i] = p.test().mi();
    }
    Map<String, Color> colors = new LinkedHashMap<>();
    colors.put("lag_vae mi>0", new Color(0x1F, 0x6F, 0xB4));
    colors.put("lag_vae mi<=0", new Color(0xD9, 0x6C, 0x1E));
    colors.put("info_vae", new Color(0x2C, 0xA0, 0x2C));
    Map<String, List<Integer>> byFamily = new LinkedHashMap<>();
    colors.keySet().forEach(k -> byFamily.put(k, new ArrayList<>()));
    for (int i = 0; i < n; i++) {
      byFamily.computeIfAbsent(points.get(i).family(), k -> new ArrayList<>()).add(i);
    }
    List<SweepCharts.Series> series = new ArrayList<>();
    byFamily.forEach(
        (family, idx) ->
            series.add(
                new SweepCharts.Series(
                    family, colors.getOrDefault(family, new Color(0x88, 0x44, 0xAA)), idx)));
    return SweepCharts.plane(
        List.of(
            new SweepCharts.Panel("train", cons[0], mi[0]),
            new SweepCharts.Panel("test", cons[1], mi[1])),
        series,
        "consistency NLL + KL (nats)",
        "mutual information I(x;z) (nats)");
  }

  static BufferedImage heatmap(Grid grid, List<Point> points) {
    double[][] values = new double[grid.rows().size()][grid.columns().size()];
    for (int i = 0; i < values.length; i++) {
      for (int j = 0; j < values[i].length; j++) {
        int index = grid.index()[i][j];
        values[i][j] = index < 0 ? Double.NaN : points.get(index).test().consistency();
      }
    }
    return SweepCharts.heatmap(
        "test consistency NLL + KL (nats)",
        grid.rowAxis(),
        grid.rows(),
        grid.columnAxis(),
        grid.columns(),
        values);
  }

  private static String html(
      String title, Map<String, String> facts, List<Point> points, List<String> images) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(esc(title))
        .append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:")
        .append("collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
        .append("th{background:#f3f3f3}td.l{text-align:left}</style></head><body><h1>")
        .append(esc(title))
        .append("</h1><table>");
    facts.forEach(
        (k, v) ->
            b.append("<tr><th>")
                .append(esc(k))
                .append("</th><td class=l>")
                .append(esc(v))
                .append("</td></tr>"));
    b.append("</table>");
    for (String image : images) {
      b.append("<p><img src=\"")
          .append(esc(image))
          .append("\" alt=\"")
          .append(esc(image))
          .append("\"></p>");
    }
    Set<String> axes = new LinkedHashSet<>();
    Set<String> specKeys = new LinkedHashSet<>();
    Set<String> metricKeys = new LinkedHashSet<>();
    for (Point p : points) {
      axes.addAll(p.values().keySet());
      specKeys.addAll(p.spec().keySet());
      metricKeys.addAll(p.finalMetrics().keySet());
    }
    specKeys.removeAll(axes);
    b.append("<h2>Points</h2><table><tr><th>#</th><th>series</th>");
    axes.forEach(a -> b.append("<th>").append(esc(a)).append("</th>"));
    specKeys.forEach(a -> b.append("<th>").append(esc(a)).append("</th>"));
    b.append("<th>state</th><th>model</th>");
    for (String split : List.of("train", "test")) {
      for (String m : List.of("MI", "NLL", "KL", "NLL+KL")) {
        b.append("<th>").append(split).append(' ').append(m).append("</th>");
      }
    }
    metricKeys.forEach(m -> b.append("<th>").append(esc(m)).append("</th>"));
    b.append("</tr>");
    for (Point p : points) {
      b.append("<tr><td>")
          .append(p.index())
          .append("</td><td class=l>")
          .append(esc(p.family()))
          .append("</td>");
      axes.forEach(
          a -> b.append("<td>").append(esc(p.values().getOrDefault(a, ""))).append("</td>"));
      specKeys.forEach(
          a -> b.append("<td>").append(esc(p.spec().getOrDefault(a, ""))).append("</td>"));
      b.append("<td class=l>")
          .append(esc(p.state()))
          .append("</td><td class=l>")
          .append(esc(p.version() > 0 ? p.model() + "/" + p.version() : p.model()))
          .append("</td>");
      for (Split s : List.of(p.train(), p.test())) {
        b.append(cell(s.mi(), s.miStandardError()))
            .append(cell(s.nll(), 0))
            .append(cell(s.kl(), 0))
            .append(cell(s.consistency(), s.consistencyStandardError()));
      }
      metricKeys.forEach(m -> b.append(cell(p.finalMetrics().getOrDefault(m, Double.NaN), 0)));
      b.append("</tr>");
    }
    b.append("</table><p>Nats per example. MI estimator: ")
        .append(
            esc(
                points.stream()
                    .map(p -> p.test().miEstimator())
                    .filter(s -> !s.isEmpty())
                    .findFirst()
                    .orElse("none")))
        .append(". Consistency is NLL + KL = -ELBO on the evaluated examples. A point is on the")
        .append(
            " Pareto front of a panel when no other point has both lower consistency and higher")
        .append(" MI there.</p></body></html>\n");
    return b.toString();
  }

  private static String cell(double v, double se) {
    if (!Double.isFinite(v)) {
      return "<td>--</td>";
    }
    return se > 0
        ? String.format(Locale.ROOT, "<td>%.2f &plusmn; %.2f</td>", v, se)
        : String.format(Locale.ROOT, "<td>%.3f</td>", v);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
