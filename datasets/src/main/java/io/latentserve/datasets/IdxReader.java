package io.latentserve.datasets;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the format of MNIST and Fashion-MNIST), gzip-compressed or raw: the compression
 * is detected from the first two bytes ({@code 1f 8b}), not from the file name.
 *
 * <p>Malformed files raise {@link IdxFormatException} (an {@link IOException}) whose message names
 * the file, what was expected and what was found; bad arguments raise {@link
 * IllegalArgumentException}.
 */
public final class IdxReader {
  private static final int BUFFER = 1 << 16;

  private IdxReader() {}

  /** Reads only the header of {@code file}. */
  public static IdxHeader readHeader(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      return readHeader(file, in);
    }
  }

  /** Reads every image of {@code file}: unsigned bytes of rank 3, [N, rows, cols]. */
  public static IdxImages readImages(Path file) throws IOException {
    return readImages(file, Integer.MAX_VALUE);
  }

  /**
   * Reads the first {@code min(maxCount, N)} images of {@code file}, decompressing no further than
   * needed.
   *
   * @param maxCount >= 0; {@link Integer#MAX_VALUE} for all
   */
  public static IdxImages readImages(Path file, int maxCount) throws IOException {
    checkMaxCount(maxCount);
    try (DataInputStream in = open(file)) {
      IdxHeader header = readHeader(file, in);
      expect(file, header, 3, "images [N, rows, cols]");
      int n = header.dims().get(0);
      int rows = header.dims().get(1);
      int cols = header.dims().get(2);
      if (rows == 0 || cols == 0) {
        throw new IdxFormatException(file, "images must have rows, cols > 0, got " + header.dims());
      }
      int count = Math.min(n, maxCount);
      byte[] pixels = readData(file, in, header, (long) count * rows * cols, count == n);
      return new IdxImages(count, rows, cols, pixels);
    }
  }

  /** Reads every label of {@code file}: unsigned bytes of rank 1, [N], as ints in 0..255. */
  public static int[] readLabels(Path file) throws IOException {
    return readLabels(file, Integer.MAX_VALUE);
  }

  /**
   * Reads the first {@code min(maxCount, N)} labels of {@code file}.
   *
   * @param maxCount >= 0; {@link Integer#MAX_VALUE} for all
   */
  public static int[] readLabels(Path file, int maxCount) throws IOException {
    checkMaxCount(maxCount);
    try (DataInputStream in = open(file)) {
      IdxHeader header = readHeader(file, in);
      expect(file, header, 1, "labels [N]");
      int n = header.dims().get(0);
      int count = Math.min(n, maxCount);
      byte[] bytes = readData(file, in, header, count, count == n);
      int[] labels = new int[count];
      for (int i = 0; i < count; i++) {
        labels[i] = bytes[i] & 0xFF;
      }
      return labels;
    }
  }

  /** Opens {@code file}, decompressing it when it starts with the gzip magic bytes. */
  static DataInputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
    try {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      InputStream in =
          b0 == 0x1F && b1 == 0x8B
              ? new BufferedInputStream(new GZIPInputStream(raw, BUFFER), BUFFER)
              : raw;
      return new DataInputStream(in);
    } catch (IOException e) {
      raw.close();
      throw new IdxFormatException(file, "cannot read the gzip header: " + e.getMessage(), e);
    }
  }

  private static IdxHeader readHeader(Path file, DataInputStream in) throws IOException {
    byte[] magic = new byte[4];
    int got = in.readNBytes(magic, 0, 4);
    if (got < 4) {
      throw new IdxFormatException(
          file, "truncated IDX header: expected 4 magic bytes, the file has " + got);
    }
    if (magic[0] != 0 || magic[1] != 0) {
      throw new IdxFormatException(
          file,
          String.format(
              "not an IDX file: magic starts with 0x%02X 0x%02X, expected 0x00 0x00",
              magic[0] & 0xFF, magic[1] & 0xFF));
    }
    IdxType type;
    try {
      type = IdxType.fromCode(magic[2] & 0xFF);
    } catch (IllegalArgumentException e) {
      throw new IdxFormatException(file, e.getMessage());
    }
    int rank = magic[3] & 0xFF;
    if (rank == 0) {
      throw new IdxFormatException(file, "IDX rank is 0, expected at least 1 dimension");
    }
    List<Integer> dims = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      long d;
      try {
        d = in.readInt() & 0xFFFFFFFFL;
      } catch (EOFException e) {
        throw new IdxFormatException(
            file, "truncated IDX header: expected " + rank + " dimensions, the file has " + i);
      }
      if (d > Integer.MAX_VALUE) {
        throw new IdxFormatException(file, "dimension " + i + " is " + d + ", too large");
      }
      dims.add((int) d);
    }
    return new IdxHeader(type, dims);
  }

  private static void expect(Path file, IdxHeader header, int rank, String what)
      throws IdxFormatException {
    if (header.type() != IdxType.UNSIGNED_BYTE || header.rank() != rank) {
      throw new IdxFormatException(
          file,
          String.format(
              "expected unsigned byte %s (magic 0x%08X), got %s",
              what, (IdxType.UNSIGNED_BYTE.code() << 8) | rank, header));
    }
  }

  private static byte[] readData(
      Path file, DataInputStream in, IdxHeader header, long bytes, boolean checkEnd)
      throws IOException {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IdxFormatException(
          file, header.dims() + " holds " + bytes + " bytes, more than one array can hold");
    }
    byte[] data;
    try {
      data = in.readNBytes((int) bytes);
    } catch (IOException e) {
      throw new IdxFormatException(file, "cannot decode the data: " + e.getMessage(), e);
    }
    if (data.length < bytes) {
      throw new IdxFormatException(
          file,
          "truncated data: "
              + header.dims()
              + " needs "
              + bytes
              + " data bytes after the header, the file has "
              + data.length);
    }
    if (checkEnd && in.read() != -1) {
      long extra = 1;
      byte[] buffer = new byte[BUFFER];
      for (int r; (r = in.read(buffer)) > 0; ) {
        extra += r;
      }
      throw new IdxFormatException(
          file,
          "expected the file to end after "
              + bytes
              + " data bytes for "
              + header.dims()
              + ", found "
              + extra
              + " more");
    }
    return data;
  }

  private static void checkMaxCount(int maxCount) {
    if (maxCount < 0) {
      throw new IllegalArgumentException("maxCount must be >= 0, got " + maxCount);
    }
  }
}
