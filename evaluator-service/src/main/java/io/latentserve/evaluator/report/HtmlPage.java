package io.latentserve.evaluator.report;

import io.latentserve.evaluator.core.Estimate;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.InformationReport;
import io.latentserve.evaluator.core.IwllPoint;
import io.latentserve.evaluator.core.LayerReport;
import io.latentserve.evaluator.core.MutualInformationReport;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report's HTML page: a table of every metric and the plots, self-contained but the PNGs. */
final class HtmlPage {
  private HtmlPage() {}

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String est(Estimate e) {
    return e == null ? "n/a" : num(e.value()) + " &plusmn; " + num(e.standardError());
  }

  private static void row(StringBuilder b, String name, String value) {
    b.append("<tr><th>").append(name).append("</th><td>").append(value).append("</td></tr>\n");
  }

  static String render(EvaluationReport r, List<ReportWriter.Plot> plots) {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
        .append(escape("Evaluation " + r.evaluationId() + " of " + r.model().id()))
        .append("</title>\n<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;")
        .append("color:#222}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid")
        .append(" #ddd;padding:4px 10px;text-align:left}th{background:#f6f6f6}")
        .append("figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}</style>\n")
        .append("</head><body>\n<h1>")
        .append(escape(r.model().id()))
        .append("</h1>\n<p>")
        .append(escape(r.label().isEmpty() ? "Evaluation " + r.evaluationId() : r.label()))
        .append("</p>\n<table>\n");
    row(b, "evaluation", escape(r.evaluationId()));
    row(b, "data", escape(r.dataDescription()) + ", " + r.examples() + " examples");
    row(b, "prior of " + escape(r.model().topLayer().name()), escape(r.model().prior().name()));
    if (!r.condition().isEmpty()) {
      row(
          b,
          "conditioned on",
          escape(r.condition())
              + " (condition_dim "
              + r.model().conditionDim()
              + "): every metric is given y, e.g. the IW-LL is log p(x|y)");
    }
    row(b, "importance samples k", Integer.toString(r.k()));
    row(b, "seed", Long.toUnsignedString(r.seed()));
    row(b, "created", escape(r.created().toString()));
    row(b, "log p(x) (IW-LL, nats)", est(r.iwll()));
    if (r.model().logPartition() != null) {
      io.latentserve.model.LogPartition z = r.model().logPartition();
      row(
          b,
          "log Z of the rbm prior (" + z.method() + ", nats)",
          String.format(java.util.Locale.ROOT, "%.4f &plusmn; %.4f", z.logZ(), z.standardError()));
      row(
          b,
          "IW-LL total standard error (examples and log Z, nats)",
          String.format(java.util.Locale.ROOT, "%.4f", r.iwllTotalStandardError()));
    }
    if (!r.iwllCurve().isEmpty()) {
      row(b, "mean effective sample size", num(r.meanEffectiveSampleSize()));
    }
    row(b, "ELBO (nats)", est(r.elbo()));
    row(b, "distortion E_q[-log p(x|z)] (nats)", est(r.distortion()));
    row(b, "total rate KL(q(z|x) || p(z)) (nats)", est(r.totalRate()));
    MutualInformationReport mi = r.mutualInformation();
    // Both estimates are of the layer whose posterior is exact: z1 of a bottom-up chain, the top z
    // of a top-down model.
    String exact = "I(x;" + escape(r.model().layers().get(r.model().exactLayer()).name()) + ")";
    if (mi != null) {
      row(
          b,
          exact + ", aggregate posterior (nats)",
          est(mi.aggregate()) + " (ceiling log N = " + num(mi.aggregateCeiling()) + ")");
      row(b, exact + ", minibatch of " + mi.minibatchSize() + " (nats)", num(mi.minibatch()));
    }
    if (r.mmdSamples() > 0) {
      row(b, "MMD&sup2;(q(z), p(z)), " + r.mmdSamples() + " draws", num(r.mmd()));
    }
    InformationReport info = r.information();
    if (info.kdeMutualInformation() != null) {
      row(
          b,
          exact + ", Gaussian KDE (nats)",
          est(info.kdeMutualInformation())
              + " (KDE of "
              + info.kdeFitExamples()
              + " draws: "
              + escape(info.kdeFitData())
              + ", Scott factor "
              + num(info.kdeBandwidthFactor())
              + "; not capped at log N, biased high by KL(q(z) || KDE) &ge; 0)");
    }
    if (info.consistency() != null) {
      row(b, "consistency NLL + KL = -ELBO (nats)", est(info.consistency()));
    }
    if (info.labelClasses() > 0) {
      row(
          b,
          "labels",
          info.labelClasses() + " classes, H(label) = " + num(info.labelEntropy()) + " nats");
    }
    row(b, "wall time", String.format(Locale.ROOT, "%.2f s", seconds(r.wallTime())));
    row(b, "examples per second", String.format(Locale.ROOT, "%.1f", r.examplesPerSecond()));
    b.append("</table>\n");
    if (!r.iwllCurve().isEmpty()) {
      b.append("<h2>IW-LL by k</h2>\n<table><tr><th>k</th><th>log p(x), nats</th></tr>\n");
      for (IwllPoint p : r.iwllCurve()) {
        b.append("<tr><td>")
            .append(p.k())
            .append("</td><td>")
            .append(est(p.logLikelihood()))
            .append("</td></tr>\n");
      }
      b.append("</table>\n");
    }
    b.append("<h2>Latent layers</h2>\n<table><tr><th>layer</th><th>family</th><th>units</th>")
        .append("<th>rate (nats)</th><th>active units</th><th>I(x; z_l) (nats)</th>")
        .append("<th>I(z_l; label) (nats)</th><th>probe accuracy</th><th>Fano ceiling</th>")
        .append("</tr>\n");
    for (int i = 0; i < r.layers().size(); i++) {
      LayerReport l = r.layers().get(i);
      b.append("<tr><td>")
          .append(escape(l.layer()))
          .append("</td><td>")
          .append(escape(r.model().layers().get(i).family().name()))
          .append("</td><td>")
          .append(l.dim())
          .append("</td><td>")
          .append(est(l.rate()))
          .append("</td><td>")
          .append(l.activeUnits() < 0 ? "n/a" : l.activeUnits() + " / " + l.dim())
          .append(
              l.activeUnitSamples() > 0
                  ? " (E_q[z|x] over " + l.activeUnitSamples() + " draws of the layers below)"
                  : "")
          .append("</td><td>")
          .append(l.mutualInformation() == null ? "n/a" : est(l.mutualInformation().aggregate()))
          .append("</td><td>")
          .append(l.labels() == null ? "n/a" : est(l.labels().information()))
          .append("</td><td>")
          .append(
              l.labels() == null || l.labels().probeTestExamples() == 0
                  ? "n/a"
                  : num(l.labels().probeAccuracy())
                      + " ("
                      + l.labels().probeTestExamples()
                      + " held out)")
          .append("</td><td>")
          .append(l.labels() == null ? "n/a" : num(l.labels().fanoAccuracyCeiling()))
          .append("</td></tr>\n");
    }
    b.append("</table>\n");
    if (!r.phaseTimes().isEmpty()) {
      b.append("<h2>Timings</h2>\n<table>\n");
      for (Map.Entry<String, Duration> e : r.phaseTimes().entrySet()) {
        row(b, escape(e.getKey()), String.format(Locale.ROOT, "%.3f s", seconds(e.getValue())));
      }
      b.append("</table>\n");
    }
    for (ReportWriter.Plot p : plots) {
      b.append("<figure><img src=\"")
          .append(escape(p.file()))
          .append("\" alt=\"")
          .append(escape(p.caption()))
          .append("\"><figcaption>")
          .append(escape(p.caption()))
          .append("</figcaption></figure>\n");
    }
    b.append("<p><a href=\"").append(ReportWriter.JSON).append("\">report.json</a></p>\n");
    b.append("</body></html>\n");
    return b.toString();
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
