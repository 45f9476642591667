package io.latentserve.evaluator.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drawing primitives every PNG of the project uses: an antialiased white canvas, and text that
 * degrades to none on a machine without fonts (a headless container often has none) instead of
 * failing the report.
 */
public final class Canvas {
  private static final Logger log = LoggerFactory.getLogger(Canvas.class);
  private static volatile boolean textWorks = true;

  private Canvas() {}

  /** A graphics context on {@code image}, antialiased, filled white. */
  public static Graphics2D blank(BufferedImage image) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    return g;
  }

  /** Draws text, anchored by {@code align} (0 left, 0.5 centre, 1 right) at baseline y. */
  public static void text(Graphics2D g, String s, Font font, double x, double y, double align) {
    if (!textWorks) {
      return;
    }
    try {
      g.setFont(font);
      FontMetrics m = g.getFontMetrics();
      g.drawString(s, (float) (x - align * m.stringWidth(s)), (float) y);
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError fatal) {
        throw fatal; // out of memory is not a missing font: the process must end
      }
      // AWT reports a machine without fonts as a plain Error ("no fonts found").
      textWorks = false;
      log.warn("no usable font: plots are drawn without text ({})", e.toString());
    }
  }
}
