package io.latentserve.evaluator.report;

import io.latentserve.model.FloatTensor;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plots drawn with Java2D into {@link BufferedImage}s: a line chart with error bars, a bar chart, a
 * histogram and image grids. When the JVM has no usable font, the charts are drawn without text
 * rather than failing.
 */
final class Charts {

  static final int WIDTH = 720;
  static final int HEIGHT = 440;
  private static final int LEFT = 84;
  private static final int RIGHT = 56;
  private static final int TOP = 48;
  private static final int BOTTOM = 64;
  private static final Color INK = new Color(0x22, 0x22, 0x22);
  private static final Color GRID = new Color(0xE4, 0xE4, 0xE4);
  private static final Color ACCENT = new Color(0x1F, 0x6F, 0xB4);
  private static final Color SECOND = new Color(0xD9, 0x6C, 0x1E);
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private Charts() {}

  private static Graphics2D canvas(BufferedImage image) {
    return Canvas.blank(image);
  }

  private static void text(Graphics2D g, String s, Font font, double x, double y, double align) {
    Canvas.text(g, s, font, x, y, align);
  }

  private static void verticalText(Graphics2D g, String s, double x, double y) {
    Graphics2D r = (Graphics2D) g.create();
    r.rotate(-Math.PI / 2, x, y);
    text(r, s, LABEL, x, y, 0.5);
    r.dispose();
  }

  /** An axis range with "nice" ticks (1, 2, 5 times a power of ten). */
  record Axis(double min, double max, List<Double> ticks) {
    static Axis nice(double lo, double hi) {
      if (!(hi > lo)) {
        double pad = Math.max(Math.abs(lo) * 0.1, 1e-3);
        lo -= pad;
        hi += pad;
      }
      double step = niceStep((hi - lo) / 5);
      double min = Math.floor(lo / step) * step;
      double max = Math.ceil(hi / step) * step;
      List<Double> ticks = new ArrayList<>();
      for (double t = min; t <= max + step * 1e-9; t += step) {
        ticks.add(Math.abs(t) < step * 1e-9 ? 0 : t);
      }
      return new Axis(min, max, ticks);
    }

    private static double niceStep(double raw) {
      double power = Math.pow(10, Math.floor(Math.log10(raw)));
      double f = raw / power;
      double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
      return nice * power;
    }
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
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v).replaceAll("\\.?0+$", "");
    }
    return String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
  }

  private static double px(double v, double min, double max, double from, double to) {
    return from + (v - min) / (max - min) * (to - from);
  }

  private static void frame(
      Graphics2D g, String title, String xLabel, String yLabel, Axis y, int plotRight) {
    int bottom = HEIGHT - BOTTOM;
    g.setStroke(new BasicStroke(1f));
    for (double t : y.ticks()) {
      double py = px(t, y.min(), y.max(), bottom, TOP);
      g.setColor(GRID);
      g.draw(new Line2D.Double(LEFT, py, plotRight, py));
      g.setColor(INK);
      text(g, format(t), LABEL, LEFT - 8, py + 4, 1);
    }
    g.setColor(INK);
    g.draw(new Line2D.Double(LEFT, TOP, LEFT, bottom));
    g.draw(new Line2D.Double(LEFT, bottom, plotRight, bottom));
    text(g, title, TITLE, WIDTH / 2.0, 28, 0.5);
    text(g, xLabel, LABEL, (LEFT + plotRight) / 2.0, HEIGHT - 18, 0.5);
    verticalText(g, yLabel, 20, (TOP + bottom) / 2.0);
  }

  /**
   * Points (x, y) joined by a line, with error bars of +- err, on a log10 x axis when {@code logX}.
   */
  static BufferedImage lineChart(
      String title,
      String xLabel,
      String yLabel,
      double[] xs,
      double[] ys,
      double[] errors,
      boolean logX) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < ys.length; i++) {
      lo = Math.min(lo, ys[i] - errors[i]);
      hi = Math.max(hi, ys[i] + errors[i]);
    }
    Axis y = Axis.nice(lo, hi);
    int right = WIDTH - RIGHT;
    int bottom = HEIGHT - BOTTOM;
    frame(g, title, xLabel, yLabel, y, right);
    double[] tx = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      tx[i] = logX ? Math.log10(xs[i]) : xs[i];
    }
    double xMin = tx.length == 0 ? 0 : tx[0];
    double xMax = tx.length == 0 ? 1 : tx[tx.length - 1];
    if (!(xMax > xMin)) {
      xMin -= 0.5;
      xMax += 0.5;
    }
    double span = xMax - xMin;
    xMin -= span * 0.05;
    xMax += span * 0.05;
    g.setColor(INK);
    for (int i = 0; i < xs.length; i++) {
      double x = px(tx[i], xMin, xMax, LEFT, right);
      g.draw(new Line2D.Double(x, bottom, x, bottom + 5));
      text(g, format(xs[i]), LABEL, x, bottom + 20, 0.5);
    }
    g.setStroke(new BasicStroke(2.2f));
    g.setColor(ACCENT);
    double[] sx = new double[xs.length];
    double[] sy = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      sx[i] = px(tx[i], xMin, xMax, LEFT, right);
      sy[i] = px(ys[i], y.min(), y.max(), bottom, TOP);
      if (i > 0) {
        g.draw(new Line2D.Double(sx[i - 1], sy[i - 1], sx[i], sy[i]));
      }
    }
    g.setStroke(new BasicStroke(1.4f));
    for (int i = 0; i < xs.length; i++) {
      double top = px(ys[i] + errors[i], y.min(), y.max(), bottom, TOP);
      double low = px(ys[i] - errors[i], y.min(), y.max(), bottom, TOP);
      g.draw(new Line2D.Double(sx[i], top, sx[i], low));
      g.draw(new Line2D.Double(sx[i] - 5, top, sx[i] + 5, top));
      g.draw(new Line2D.Double(sx[i] - 5, low, sx[i] + 5, low));
      g.fill(new java.awt.geom.Ellipse2D.Double(sx[i] - 4.5, sy[i] - 4.5, 9, 9));
      g.setColor(INK);
      // Alternate above and below so that labels of close points do not overlap.
      double labelY = i % 2 == 0 ? sy[i] - 10 : sy[i] + 20;
      text(g, String.format(Locale.ROOT, "%.2f", ys[i]), LABEL, sx[i] + 8, labelY, 0);
      g.setColor(ACCENT);
    }
    g.dispose();
    return image;
  }

  /** One bar per label, with +- error whiskers; {@code highlight[i]} bars use the second colour. */
  static BufferedImage barChart(
      String title,
      String yLabel,
      List<String> labels,
      double[] values,
      double[] errors,
      boolean[] highlight) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image);
    double hi = 0;
    double lo = 0;
    for (int i = 0; i < values.length; i++) {
      hi = Math.max(hi, values[i] + errors[i]);
      lo = Math.min(lo, values[i] - errors[i]);
    }
    Axis y = Axis.nice(lo, hi);
    int right = WIDTH - RIGHT;
    int bottom = HEIGHT - BOTTOM;
    frame(g, title, "", yLabel, y, right);
    int n = values.length;
    double slot = (right - LEFT) / (double) Math.max(1, n);
    double width = Math.min(90, slot * 0.6);
    double zero = px(0, y.min(), y.max(), bottom, TOP);
    for (int i = 0; i < n; i++) {
      double cx = LEFT + slot * (i + 0.5);
      double top = px(values[i], y.min(), y.max(), bottom, TOP);
      g.setColor(highlight[i] ? SECOND : ACCENT);
      g.fill(
          new Rectangle2D.Double(cx - width / 2, Math.min(top, zero), width, Math.abs(zero - top)));
      g.setColor(INK);
      g.setStroke(new BasicStroke(1.4f));
      if (errors[i] > 0) {
        double e1 = px(values[i] + errors[i], y.min(), y.max(), bottom, TOP);
        double e2 = px(values[i] - errors[i], y.min(), y.max(), bottom, TOP);
        g.draw(new Line2D.Double(cx, e1, cx, e2));
        g.draw(new Line2D.Double(cx - 6, e1, cx + 6, e1));
        g.draw(new Line2D.Double(cx - 6, e2, cx + 6, e2));
      }
      text(g, labels.get(i), LABEL, cx, bottom + 20, 0.5);
      text(g, format(values[i]), LABEL, cx, Math.min(top, zero) - 6, 0.5);
    }
    g.dispose();
    return image;
  }

  /**
   * A histogram of {@code values} over [min, max] in {@code bins} bins, log-spaced when {@code
   * logBins} (then min must be > 0).
   */
  static BufferedImage histogram(
      String title,
      String xLabel,
      double[] values,
      double min,
      double max,
      int bins,
      boolean logBins) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image);
    double a = logBins ? Math.log10(min) : min;
    double b = logBins ? Math.log10(max) : max;
    if (!(b > a)) {
      b = a + 1;
    }
    int[] counts = new int[bins];
    for (double v : values) {
      double t = logBins ? Math.log10(Math.max(v, min)) : v;
      int bin = (int) Math.floor((t - a) / (b - a) * bins);
      counts[Math.max(0, Math.min(bins - 1, bin))]++;
    }
    int peak = 0;
    for (int c : counts) {
      peak = Math.max(peak, c);
    }
    Axis y = Axis.nice(0, Math.max(1, peak));
    int right = WIDTH - RIGHT;
    int bottom = HEIGHT - BOTTOM;
    frame(g, title, xLabel, "examples", y, right);
    double w = (right - LEFT) / (double) bins;
    g.setColor(ACCENT);
    for (int i = 0; i < bins; i++) {
      double top = px(counts[i], y.min(), y.max(), bottom, TOP);
      g.fill(new Rectangle2D.Double(LEFT + i * w + 1, top, Math.max(1, w - 2), bottom - top));
    }
    g.setColor(INK);
    List<Double> ticks = new ArrayList<>();
    if (logBins) {
      for (double decade = Math.pow(10, Math.floor(a)); decade <= max; decade *= 10) {
        for (double m : new double[] {1, 2, 5}) {
          double t = m * decade;
          if (t >= min && t <= max) {
            ticks.add(Math.log10(t));
          }
        }
      }
    } else {
      ticks.addAll(Axis.nice(a, b).ticks().stream().filter(t -> t >= a && t <= max).toList());
    }
    for (double t : ticks) {
      double x = px(t, a, b, LEFT, right);
      g.draw(new Line2D.Double(x, bottom, x, bottom + 5));
      text(g, format(logBins ? Math.pow(10, t) : t), LABEL, x, bottom + 20, 0.5);
    }
    g.dispose();
    return image;
  }

  /**
   * Rows of examples drawn as pictures: grayscale H x W images when the example shape is [H, W] or
   * D is a perfect square, else heat-map strips of D cells. Each group is one row of the grid (e.g.
   * originals above reconstructions); values are mapped from [lo, hi] to black..white.
   */
  static BufferedImage imageGrid(
      String title,
      List<String> groupNames,
      List<FloatTensor> groups,
      List<Long> shape,
      int columns) {
    int d = groups.get(0).rowSize();
    int h;
    int w;
    int channels = colourChannels(shape, d);
    if (channels == 3) {
      h = (int) Math.round(Math.sqrt(d / 3.0));
      w = h;
      if (shape.size() == 3) {
        h = (int) (long) shape.get(1);
        w = (int) (long) shape.get(2);
      }
    } else if (shape.size() >= 2
        && shape.get(shape.size() - 1) * shape.get(shape.size() - 2) == d) {
      h = (int) (long) shape.get(shape.size() - 2);
      w = (int) (long) shape.get(shape.size() - 1);
    } else if (Math.round(Math.sqrt(d)) * Math.round(Math.sqrt(d)) == d && d >= 16) {
      h = (int) Math.round(Math.sqrt(d));
      w = h;
    } else {
      h = 1;
      w = d;
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (FloatTensor t : groups) {
      for (float v : t.data()) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (lo >= 0 && hi <= 1) {
      lo = 0;
      hi = 1;
    }
    if (!(hi > lo)) {
      hi = lo + 1;
    }
    int cell = Math.max(2, Math.min(3, 84 / Math.max(h, 1)));
    if (h == 1) {
      cell = Math.max(4, Math.min(24, 480 / Math.max(w, 1)));
    }
    int cellH = h == 1 ? cell * 3 : cell;
    int tileW = w * cell;
    int tileH = h * cellH;
    int gap = 6;
    int labelWidth = 120;
    List<Integer> rowsPerGroup = new ArrayList<>();
    int totalRows = 0;
    for (FloatTensor t : groups) {
      int rows = ((int) t.dim(0) + columns - 1) / columns;
      rowsPerGroup.add(rows);
      totalRows += rows;
    }
    int width = Math.max(WIDTH, labelWidth + columns * (tileW + gap) + gap);
    int height = TOP + totalRows * (tileH + gap) + groups.size() * 18 + 16;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image);
    g.setColor(INK);
    text(g, title, TITLE, width / 2.0, 28, 0.5);
    int y = TOP;
    for (int gi = 0; gi < groups.size(); gi++) {
      FloatTensor t = groups.get(gi);
      float[] v = t.data();
      int n = (int) t.dim(0);
      g.setColor(INK);
      text(g, groupNames.get(gi), LABEL, gap, y + 12, 0);
      y += 18;
      for (int i = 0; i < n; i++) {
        int x0 = labelWidth + (i % columns) * (tileW + gap);
        int y0 = y + (i / columns) * (tileH + gap);
        for (int r = 0; r < h; r++) {
          for (int c = 0; c < w; c++) {
            if (channels == 3) {
              // Channel-major [3, h, w]: red plane, then green, then blue.
              int plane = h * w;
              int at = i * d + r * w + c;
              g.setColor(
                  new Color(
                      level(v[at], lo, hi),
                      level(v[at + plane], lo, hi),
                      level(v[at + 2 * plane], lo, hi)));
            } else {
              int level = level(v[i * d + r * w + c], lo, hi);
              g.setColor(new Color(level, level, level));
            }
            g.fillRect(x0 + c * cell, y0 + r * cellH, cell, cellH);
          }
        }
        g.setColor(GRID);
        g.drawRect(x0 - 1, y0 - 1, tileW + 1, tileH + 1);
      }
      y += rowsPerGroup.get(gi) * (tileH + gap);
    }
    g.dispose();
    return image;
  }

  private static int level(double v, double lo, double hi) {
    return (int) Math.round(255 * Math.max(0, Math.min(1, (v - lo) / (hi - lo))));
  }

  /**
   * 3 when an example of {@code d} features is a channel-major RGB image: the model's input shape
   * is [3, h, w], or, for a model that declares only a flat [d], d is 3 s^2 for an integer s
   * (CIFAR-10's 3072 = 3 x 32 x 32; such a d is never a square, so no square grayscale image is
   * taken for colour); else 1.
   */
  static int colourChannels(List<Long> shape, int d) {
    if (shape.size() == 3) {
      return shape.get(0) == 3 && shape.get(1) * shape.get(2) * 3 == d ? 3 : 1;
    }
    if (shape.size() <= 1 && d % 3 == 0) {
      long side = Math.round(Math.sqrt(d / 3.0));
      return side * side * 3 == d ? 3 : 1;
    }
    return 1;
  }
}
