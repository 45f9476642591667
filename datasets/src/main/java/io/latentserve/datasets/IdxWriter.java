package io.latentserve.datasets;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes IDX files; a name ending in {@code .gz} is gzip-compressed.
 *
 * <p>The gzip stream is reproducible: deflate level 9, modification time 0 and the file name
 * without {@code .gz} in the header, the layout Python's {@code gzip.GzipFile(name, "wb", mtime=0)}
 * writes. The same content therefore always gives the same bytes.
 */
public final class IdxWriter {
  private static final int BUFFER = 1 << 16;

  private IdxWriter() {}

  /** Writes unsigned-byte images as [N, rows, cols] (magic 0x00000803). */
  public static void writeImages(Path file, IdxImages images) throws IOException {
    write(
        file,
        new IdxHeader(IdxType.UNSIGNED_BYTE, List.of(images.count(), images.rows(), images.cols())),
        images.pixels());
  }

  /**
   * Writes labels as unsigned bytes [N] (magic 0x00000801).
   *
   * @throws IllegalArgumentException naming the first label outside 0..255
   */
  public static void writeLabels(Path file, int[] labels) throws IOException {
    byte[] bytes = new byte[labels.length];
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] > 255) {
        throw new IllegalArgumentException(
            "label " + i + " is " + labels[i] + ", unsigned byte labels must be in 0..255");
      }
      bytes[i] = (byte) labels[i];
    }
    write(file, new IdxHeader(IdxType.UNSIGNED_BYTE, List.of(labels.length)), bytes);
  }

  /**
   * Writes a header and its data.
   *
   * @param data the elements, big-endian, {@code header.elementCount() * header.type().size()}
   *     bytes
   */
  public static void write(Path file, IdxHeader header, byte[] data) throws IOException {
    long expected = header.elementCount() * header.type().size();
    if (data.length != expected) {
      throw new IllegalArgumentException(
          header + " needs " + expected + " data bytes, got " + data.length);
    }
    String name = file.getFileName().toString();
    try (OutputStream file0 = new BufferedOutputStream(Files.newOutputStream(file), BUFFER);
        DataOutputStream out =
            new DataOutputStream(
                name.endsWith(".gz")
                    ? new GzipStream(file0, name.substring(0, name.length() - 3))
                    : file0)) {
      out.writeInt(header.magic());
      for (int d : header.dims()) {
        out.writeInt(d);
      }
      out.write(data);
    }
  }

  /** A single-member gzip stream with a fixed header (RFC 1952). */
  private static final class GzipStream extends FilterOutputStream {
    private final Deflater deflater = new Deflater(9, true);
    private final CRC32 crc = new CRC32();
    private final DeflaterOutputStream deflate;
    private long size;
    private boolean closed;

    GzipStream(OutputStream out, String originalName) throws IOException {
      super(out);
      out.write(new byte[] {0x1F, (byte) 0x8B, 8, 0x08, 0, 0, 0, 0, 2, (byte) 0xFF});
      out.write(originalName.getBytes(StandardCharsets.ISO_8859_1));
      out.write(0);
      deflate = new DeflaterOutputStream(out, deflater, BUFFER);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      deflate.write(b, off, len);
      crc.update(b, off, len);
      size += len;
    }

    @Override
    public void flush() {
      // A sync flush would change the compressed bytes; data is flushed on close.
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        deflate.finish();
        writeIntLe(crc.getValue());
        writeIntLe(size);
      } finally {
        deflater.end();
        out.close();
      }
    }

    private void writeIntLe(long v) throws IOException {
      out.write((int) v & 0xFF);
      out.write((int) (v >>> 8) & 0xFF);
      out.write((int) (v >>> 16) & 0xFF);
      out.write((int) (v >>> 24) & 0xFF);
    }
  }
}
