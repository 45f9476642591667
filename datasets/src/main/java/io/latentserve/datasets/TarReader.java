package io.latentserve.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads the regular files of a tar archive (ustar, with GNU long names and pax paths), as npm
 * package tarballs are. Only what the fetcher needs: selected entries into memory.
 */
final class TarReader {
  private static final int BLOCK = 512;

  private TarReader() {}

  /**
   * Reads the regular files whose path {@code wanted} accepts, in archive order.
   *
   * @param source names the archive in messages
   * @param maxEntryBytes the largest entry read into memory
   */
  static Map<String, byte[]> readFiles(
      InputStream in, String source, Predicate<String> wanted, long maxEntryBytes)
      throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    String longName = null;
    while (true) {
      byte[] header = in.readNBytes(BLOCK);
      if (header.length == 0 || isZero(header)) {
        return files;
      }
      if (header.length < BLOCK) {
        throw new IOException(source + ": truncated tar header");
      }
      checkChecksum(header, source);
      long size = octal(header, 124, 12, source);
      byte type = header[156];
      String name = longName != null ? longName : path(header);
      longName = null;
      if (type == 'L' || type == 'x') {
        String meta = new String(readEntry(in, size, source, 1 << 20), StandardCharsets.UTF_8);
        longName = type == 'L' ? meta.replaceFirst("\0+$", "") : paxPath(meta);
      } else if ((type == '0' || type == 0) && wanted.test(name)) {
        files.put(name, readEntry(in, size, source, maxEntryBytes));
      } else {
        in.skipNBytes(size);
      }
      in.skipNBytes(padding(size));
    }
  }

  private static byte[] readEntry(InputStream in, long size, String source, long max)
      throws IOException {
    if (size > max) {
      throw new IOException(source + ": tar entry of " + size + " bytes, at most " + max + " read");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new IOException(
          source + ": truncated tar entry: expected " + size + " bytes, got " + data.length);
    }
    return data;
  }

  private static long padding(long size) {
    return (BLOCK - size % BLOCK) % BLOCK;
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String path(byte[] header) {
    String name = text(header, 0, 100);
    boolean ustar = text(header, 257, 5).equals("ustar");
    String prefix = ustar ? text(header, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String paxPath(String records) {
    String path = null;
    for (String record : records.split("\n")) {
      int space = record.indexOf(' ');
      if (space > 0 && record.startsWith("path=", space + 1)) {
        path = record.substring(space + 1 + "path=".length());
      }
    }
    return path;
  }

  private static String text(byte[] b, int offset, int length) {
    int end = offset;
    while (end < offset + length && b[end] != 0) {
      end++;
    }
    return new String(b, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int offset, int length, String source) throws IOException {
    String s = text(b, offset, length).trim();
    if (s.isEmpty() || !s.matches("[0-7]+")) {
      throw new IOException(
          source + ": tar header field at " + offset + " is not octal: '" + s + "'");
    }
    return Long.parseLong(s, 8);
  }

  private static void checkChecksum(byte[] header, String source) throws IOException {
    long expected = octal(header, 148, 8, source);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xFF;
    }
    if (sum != expected) {
      throw new IOException(
          source + ": tar header checksum is " + sum + ", the header says " + expected);
    }
  }
}
