package io.latentserve.cli;

import io.latentserve.evaluator.report.Canvas;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sweep report's plots, drawn with Java2D into PNG-ready images: the mutual-information /
 * consistency plane (one panel per split, Pareto front marked) and a heatmap of a metric over a
 * two-axis grid. Text is skipped on a machine without fonts, as the evaluator's charts do.
 */
final class SweepCharts {
  static final int PANEL_WIDTH = 560;
  static final int HEIGHT = 460;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 50;
  private static final int BOTTOM = 90;
  private static final Color INK = new Color(0x22, 0x22, 0x22);
  private static final Color GRID = new Color(0xE4, 0xE4, 0xE4);
  private static final Color FRONT = new Color(0x55, 0x55, 0x55);
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private SweepCharts() {}

  /** A series of points of one kind (e.g. LagVAE mi > 0), drawn in one colour. */
  record Series(String name, Color color, List<Integer> points) {}

  /** One panel's data: per point, x = consistency and y = mutual information (NaN: not drawn). */
  record Panel(String title, double[] consistency, double[] mi) {}

  /**
   * The plane: panels side by side sharing the axes' ranges, each with its points coloured by
   * series, labelled by index, and the Pareto front (max MI, min consistency) as a dashed line
   * through ringed points.
   */
  static BufferedImage plane(
      List<Panel> panels, List<Series> series, String xLabel, String yLabel) {
    double xLo = Double.POSITIVE_INFINITY;
    double xHi = Double.NEGATIVE_INFINITY;
    double yLo = Double.POSITIVE_INFINITY;
    double yHi = Double.NEGATIVE_INFINITY;
    for (Panel p : panels) {
      for (int i = 0; i < p.consistency().length; i++) {
        if (Double.isFinite(p.consistency()[i]) && Double.isFinite(p.mi()[i])) {
          xLo = Math.min(xLo, p.consistency()[i]);
          xHi = Math.max(xHi, p.consistency()[i]);
          yLo = Math.min(yLo, p.mi()[i]);
          yHi = Math.max(yHi, p.mi()[i]);
        }
      }
    }
    if (!Double.isFinite(xLo)) {
      xLo = 0;
      xHi = 1;
      yLo = 0;
      yHi = 1;
    }
    double[] x = padded(xLo, xHi);
    double[] y = padded(yLo, yHi);
    BufferedImage image =
        new BufferedImage(PANEL_WIDTH * panels.size(), HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image);
    for (int k = 0; k < panels.size(); k++) {
      Panel p = panels.get(k);
      int ox = k * PANEL_WIDTH;
      int left = ox + LEFT;
      int right = ox + PANEL_WIDTH - RIGHT;
      int bottom = HEIGHT - BOTTOM;
      axes(g, p.title(), xLabel, yLabel, x, y, left, right, bottom);
      List<Integer> front = ParetoFront.ordered(p.consistency(), p.mi());
      g.setColor(FRONT);
      g.setStroke(
          new BasicStroke(
              1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6, 4}, 0));
      for (int i = 1; i < front.size(); i++) {
        int a = front.get(i - 1);
        int b = front.get(i);
        g.draw(
            new Line2D.Double(
                px(p.consistency()[a], x, left, right),
                px(p.mi()[a], y, bottom, TOP),
                px(p.consistency()[b], x, left, right),
                px(p.mi()[b], y, bottom, TOP)));
      }
      g.setStroke(new BasicStroke(1.5f));
      for (Series s : series) {
        for (int i : s.points()) {
          if (!Double.isFinite(p.consistency()[i]) || !Double.isFinite(p.mi()[i])) {
            continue;
          }
          double cx = px(p.consistency()[i], x, left, right);
          double cy = px(p.mi()[i], y, bottom, TOP);
          g.setColor(s.color());
          g.fill(new Ellipse2D.Double(cx - 5, cy - 5, 10, 10));
          if (front.contains(i)) {
            g.setColor(INK);
            g.draw(new Ellipse2D.Double(cx - 8, cy - 8, 16, 16));
          }
          g.setColor(INK);
          text(g, Integer.toString(i), LABEL, cx + 9, cy - 6, 0);
        }
      }
      // Legend under the panel.
      double lx = left;
      double ly = HEIGHT - 22;
      for (Series s : series) {
        if (s.points().isEmpty()) {
          continue;
        }
        g.setColor(s.color());
        g.fill(new Ellipse2D.Double(lx, ly - 9, 10, 10));
        g.setColor(INK);
        text(g, s.name(), LABEL, lx + 14, ly, 0);
        lx += 24 + 7 * s.name().length();
      }
      g.setColor(INK);
      text(g, "ringed, dashed: Pareto front", LABEL, lx, ly, 0);
    }
    g.dispose();
    return image;
  }

  /**
   * A heatmap: cell (i, j) of {@code values[i][j]} (row i of {@code rowValues}, column j of {@code
   * columnValues}) coloured from white (the lowest) to dark blue (the highest), each cell labelled
   * with its value; NaN cells grey.
   */
  static BufferedImage heatmap(
      String title,
      String rowName,
      List<String> rowValues,
      String columnName,
      List<String> columnValues,
      double[][] values) {
    int rows = rowValues.size();
    int cols = columnValues.size();
    int cell = Math.max(40, Math.min(90, 600 / Math.max(1, Math.max(rows, cols))));
    int left = 110;
    int top = 60;
    int width = left + cols * cell + 30;
    int height = top + rows * cell + 60;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double[] row : values) {
      for (double v : row) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        double v = values[i][j];
        Color c;
        if (!Double.isFinite(v)) {
          c = new Color(0xBB, 0xBB, 0xBB);
        } else {
          double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
          c =
              new Color(
                  (int) Math.round(255 - t * (255 - 0x10)),
                  (int) Math.round(255 - t * (255 - 0x3C)),
                  (int) Math.round(255 - t * (255 - 0x8C)));
        }
        g.setColor(c);
        g.fill(new Rectangle2D.Double(left + j * cell, top + i * cell, cell, cell));
        g.setColor(t(c) ? Color.WHITE : INK);
        text(
            g,
            Double.isFinite(v) ? format(v) : "--",
            LABEL,
            left + (j + 0.5) * cell,
            top + (i + 0.5) * cell + 4,
            0.5);
      }
    }
    g.setColor(INK);
    for (int i = 0; i < rows; i++) {
      text(g, rowValues.get(i), LABEL, left - 8, top + (i + 0.5) * cell + 4, 1);
    }
    for (int j = 0; j < cols; j++) {
      text(g, columnValues.get(j), LABEL, left + (j + 0.5) * cell, top + rows * cell + 18, 0.5);
    }
    text(g, title, TITLE, width / 2.0, 28, 0.5);
    text(g, columnName, LABEL, left + cols * cell / 2.0, top + rows * cell + 40, 0.5);
    text(g, rowName, LABEL, 10, top - 10, 0);
    g.dispose();
    return image;
  }

  private static boolean t(Color c) {
    return c.getRed() * 0.3 + c.getGreen() * 0.59 + c.getBlue() * 0.11 < 120;
  }

  private static void axes(
      Graphics2D g,
      String title,
      String xLabel,
      String yLabel,
      double[] x,
      double[] y,
      int left,
      int right,
      int bottom) {
    g.setStroke(new BasicStroke(1f));
    for (double t : ticks(y)) {
      double py = px(t, y, bottom, TOP);
      g.setColor(GRID);
      g.draw(new Line2D.Double(left, py, right, py));
      g.setColor(INK);
      text(g, tick(t, y), LABEL, left - 6, py + 4, 1);
    }
    for (double t : ticks(x)) {
      double pxv = px(t, x, left, right);
      g.setColor(GRID);
      g.draw(new Line2D.Double(pxv, TOP, pxv, bottom));
      g.setColor(INK);
      text(g, tick(t, x), LABEL, pxv, bottom + 16, 0.5);
    }
    g.setColor(INK);
    g.draw(new Line2D.Double(left, TOP, left, bottom));
    g.draw(new Line2D.Double(left, bottom, right, bottom));
    text(g, title, TITLE, (left + right) / 2.0, 28, 0.5);
    text(g, xLabel, LABEL, (left + right) / 2.0, bottom + 36, 0.5);
    Graphics2D r = (Graphics2D) g.create();
    r.rotate(-Math.PI / 2, left - 48, (TOP + bottom) / 2.0);
    text(r, yLabel, LABEL, left - 48, (TOP + bottom) / 2.0, 0.5);
    r.dispose();
  }

  /** A tick label with as many decimals as the tick step needs. */
  private static String tick(double t, double[] range) {
    double step = step(range);
    int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
    return String.format(Locale.ROOT, "%." + decimals + "f", t);
  }

  private static double step(double[] range) {
    double raw = (range[1] - range[0]) / 5;
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / power;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
  }

  private static double[] padded(double lo, double hi) {
    double span = hi - lo;
    double pad = span > 0 ? span * 0.08 : Math.max(1, Math.abs(lo) * 0.05);
    return new double[] {lo - pad, hi + pad};
  }

  private static List<Double> ticks(double[] range) {
    double step = step(range);
    List<Double> out = new ArrayList<>();
    for (double t = Math.ceil(range[0] / step) * step; t <= range[1]; t += step) {
      out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return out;
  }

  private static double px(double v, double[] range, double from, double to) {
    return from + (v - range[0]) / (range[1] - range[0]) * (to - from);
  }

  static String format(double v) {
    double a = Math.abs(v);
    if (v == 0) {
      return "0";
    }
    if (a >= 1e5 || a < 1e-3) {
      return String.format(Locale.ROOT, "%.1e", v);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static Graphics2D canvas(BufferedImage image) {
    return Canvas.blank(image);
  }

  private static void text(Graphics2D g, String s, Font font, double x, double y, double align) {
    Canvas.text(g, s, font, x, y, align);
  }
}
