package io.latentserve.evaluator.report;

import io.latentserve.evaluator.core.Estimate;
import io.latentserve.evaluator.core.EvaluationOutcome;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.IwllPoint;
import io.latentserve.evaluator.core.LayerReport;
import io.latentserve.evaluator.core.Previews;
import io.latentserve.evaluator.core.ReportFiles;
import io.latentserve.model.FloatTensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes one evaluation's files into a folder: {@value #JSON}, {@value #HTML} and the PNG plots of
 * what was computed: {@value #PRIOR_SAMPLES}, {@value #RECONSTRUCTIONS}, {@value #IWLL_CURVE},
 * {@value #RATES}, {@value #ESS_HISTOGRAM}.
 */
public final class ReportWriter {
  public static final String JSON = "report.json";
  public static final String HTML = "index.html";
  public static final String PRIOR_SAMPLES = "prior-samples.png";
  public static final String RECONSTRUCTIONS = "reconstructions.png";
  public static final String IWLL_CURVE = "iwll-vs-k.png";
  public static final String RATES = "rate-distortion.png";
  public static final String ESS_HISTOGRAM = "ess-histogram.png";

  private ReportWriter() {}

  /** Writes every file into {@code directory} (created if needed). */
  public static ReportFiles write(Path directory, EvaluationOutcome outcome) throws IOException {
    Files.createDirectories(directory);
    EvaluationReport report = outcome.report();
    List<Plot> plots = plots(outcome);
    List<Path> plotPaths = new ArrayList<>();
    for (Plot plot : plots) {
      Path path = directory.resolve(plot.file());
      if (!ImageIO.write(plot.image(), "png", path.toFile())) {
        throw new IOException("no PNG writer available");
      }
      plotPaths.add(path);
    }
    Path json = directory.resolve(JSON);
    Files.write(json, ReportJson.toJson(report));
    Path html = directory.resolve(HTML);
    Files.writeString(html, HtmlPage.render(report, plots), StandardCharsets.UTF_8);
    return new ReportFiles(directory, json, html, plotPaths);
  }

  /** A plot: its file name, caption and picture. */
  record Plot(String file, String caption, BufferedImage image) {}

  static List<Plot> plots(EvaluationOutcome outcome) {
    EvaluationReport r = outcome.report();
    Previews p = outcome.previews();
    String model = r.model().id();
    List<Plot> plots = new ArrayList<>();
    if (p.priorSamples() != null && p.priorClasses() > 0) {
      int perClass = (int) p.priorSamples().dim(0) / p.priorClasses();
      List<String> names = new ArrayList<>();
      List<FloatTensor> groups = new ArrayList<>();
      for (int c = 0; c < p.priorClasses(); c++) {
        names.add("y = " + c);
        groups.add(p.priorSamples().rows(c * perClass, (c + 1) * perClass));
      }
      plots.add(
          new Plot(
              PRIOR_SAMPLES,
              "Means of p(x|z, y) for z ~ p(z|y), one row per class y (one-hot)",
              Charts.imageGrid(
                  "Samples from the conditional prior: " + model,
                  names,
                  groups,
                  p.inputShape(),
                  Math.min(8, perClass))));
    } else if (p.priorSamples() != null) {
      plots.add(
          new Plot(
              PRIOR_SAMPLES,
              "Means of p(x|z) for z ~ p(z)",
              Charts.imageGrid(
                  "Samples from the prior: " + model,
                  List.of("p(x|z), z ~ p(z)"),
                  List.of(p.priorSamples()),
                  p.inputShape(),
                  columns(p.priorSamples()))));
    }
    if (p.originals() != null && p.reconstructions() != null) {
      plots.add(
          new Plot(
              RECONSTRUCTIONS,
              "Examples (top) and the means of p(x|z) at their posterior means (bottom)",
              Charts.imageGrid(
                  "Reconstructions: " + model,
                  List.of("data x", "reconstruction"),
                  List.of(p.originals(), p.reconstructions()),
                  p.inputShape(),
                  columns(p.originals()))));
    }
    if (!r.iwllCurve().isEmpty()) {
      List<IwllPoint> curve = r.iwllCurve();
      double[] ks = curve.stream().mapToDouble(IwllPoint::k).toArray();
      double[] ll = curve.stream().mapToDouble(c -> c.logLikelihood().value()).toArray();
      double[] se = curve.stream().mapToDouble(c -> c.logLikelihood().standardError()).toArray();
      plots.add(
          new Plot(
              IWLL_CURVE,
              "Importance-weighted log-likelihood with the first k samples (error bars: one"
                  + " standard error over examples)",
              Charts.lineChart(
                  "IW-LL vs k: " + model,
                  "importance samples k (log scale)",
                  "log p(x), nats per example",
                  ks,
                  ll,
                  se,
                  true)));
    }
    List<String> labels = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    List<Double> errors = new ArrayList<>();
    List<Boolean> second = new ArrayList<>();
    if (r.distortion() != null) {
      labels.add("distortion");
      values.add(r.distortion().value());
      errors.add(r.distortion().standardError());
      second.add(true);
    }
    for (LayerReport layer : r.layers()) {
      Estimate rate = layer.rate();
      if (rate != null) {
        labels.add("rate " + layer.layer());
        values.add(rate.value());
        errors.add(rate.standardError());
        second.add(false);
      }
    }
    if (!labels.isEmpty()) {
      boolean[] highlight = new boolean[second.size()];
      for (int i = 0; i < highlight.length; i++) {
        highlight[i] = second.get(i);
      }
      plots.add(
          new Plot(
              RATES,
              "Distortion E_q[-log p(x|z)] and the rate KL(q || p) of each latent layer",
              Charts.barChart(
                  "Rate and distortion per layer: " + model,
                  "nats per example",
                  labels,
                  values.stream().mapToDouble(Double::doubleValue).toArray(),
                  errors.stream().mapToDouble(Double::doubleValue).toArray(),
                  highlight)));
    }
    double[] ess = r.effectiveSampleSizes();
    if (ess.length > 0) {
      boolean log = r.k() > 50;
      plots.add(
          new Plot(
              ESS_HISTOGRAM,
              String.format(
                  Locale.ROOT,
                  "Effective sample size (sum w)^2 / sum w^2 per example, k = %d, mean %.1f",
                  r.k(),
                  r.meanEffectiveSampleSize()),
              Charts.histogram(
                  "Effective sample size per example: " + model,
                  "effective sample size" + (log ? " (log scale)" : ""),
                  ess,
                  1,
                  Math.max(r.k(), 2),
                  30,
                  log)));
    }
    return plots;
  }

  private static int columns(FloatTensor t) {
    int n = (int) t.dim(0);
    return Math.min(8, Math.max(1, n));
  }
}
