package io.latentserve.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place on a terminal; elsewhere (logs, CI) a plain line at most
 * every {@code 10%} so that output stays readable.
 */
final class ProgressBar {
  private static final int WIDTH = 30;

  private final PrintWriter out;
  private final boolean interactive;
  private int lastDecile = -1;
  private String lastLabel;
  private int lastLength;

  ProgressBar(PrintWriter out) {
    this(out, System.console() != null);
  }

  ProgressBar(PrintWriter out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  /** Shows {@code done} of {@code total} with a label and extra text (losses, bounds). */
  void update(long done, long total, String label, Duration elapsed, Duration eta, String extra) {
    double fraction = total > 0 ? Math.min(1, (double) done / total) : 0;
    int filled = (int) Math.round(fraction * WIDTH);
    String line =
        String.format(
            Locale.ROOT,
            "%-22s [%s%s] %5.1f%% %d/%d  %s elapsed, ETA %s  %s",
            label,
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            100 * fraction,
            done,
            total,
            format(elapsed),
            eta == null ? "--" : format(eta),
            extra);
    if (interactive) {
      out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
      lastLength = line.length();
      out.flush();
    } else {
      int decile = (int) (fraction * 10);
      // A new label starts a new phase, whose first line shows even at the decile the last ended
      // on.
      if (decile != lastDecile || !label.equals(lastLabel)) {
        lastDecile = decile;
        lastLabel = label;
        out.println(line);
        out.flush();
      }
    }
  }

  /** Ends the bar's line. */
  void finish() {
    if (interactive && lastLength > 0) {
      out.println();
      out.flush();
    }
    lastLength = 0;
    lastDecile = -1;
    lastLabel = null;
  }

  /** {@code "1 epoch"}, {@code "5 epochs"}. */
  static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  static String format(Duration d) {
    long s = Math.max(0, d.toSeconds());
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
