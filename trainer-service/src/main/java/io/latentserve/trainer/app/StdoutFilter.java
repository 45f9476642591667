package io.latentserve.trainer.app;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Drops the lines SameDiff prints to standard output while it builds a gradient graph ("Added
 * differentiated op ..."), one per op, and passes everything else through.
 */
final class StdoutFilter extends PrintStream {
  private static final String NOISE = "Added differentiated op ";

  private StdoutFilter(OutputStream out, Charset charset) {
    super(out, true, charset);
  }

  /** Replaces {@code System.out} with a filter over it, once. */
  static synchronized void install() {
    if (!(System.out instanceof StdoutFilter)) {
      System.setOut(new StdoutFilter(System.out, Charset.defaultCharset()));
    }
  }

  @Override
  public void println(String line) {
    if (line == null || !line.startsWith(NOISE)) {
      super.println(line);
    }
  }
}
