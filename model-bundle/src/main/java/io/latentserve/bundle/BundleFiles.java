package io.latentserve.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** File names, digests and fsync for bundle folders. */
final class BundleFiles {
  private static final Pattern FILE_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final int BUFFER_BYTES = 1 << 16;

  private BundleFiles() {}

  /**
   * Whether {@code name} may name a file inside a bundle folder: 1-128 characters of {@code
   * [a-z0-9._-]}, starting with a letter or a digit, no {@code ".."}, not the manifest itself.
   */
  static boolean isValidFileName(String name) {
    return name != null
        && FILE_NAME.matcher(name).matches()
        && !name.contains("..")
        && !name.equals(Manifest.FILE_NAME);
  }

  static String fileNameRule() {
    return "1-128 characters of [a-z0-9._-] starting with a letter or digit, without \"..\","
        + " other than "
        + Manifest.FILE_NAME;
  }

  static boolean isSha256Hex(String hex) {
    return hex != null && SHA256_HEX.matcher(hex).matches();
  }

  /** Lower-case hex sha256 of a file, read in 64 KiB chunks. */
  static String sha256(Path file) throws IOException {
    MessageDigest digest = newDigest();
    byte[] buffer = new byte[BUFFER_BYTES];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Lower-case hex sha256 of bytes. */
  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }

  /** Writes a new file and forces its contents to the storage device. */
  static void writeDurably(Path file, byte[] bytes) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  /**
   * Forces a directory's entries (new files, renames) to the storage device. Some platforms cannot
   * open a directory for this; there the call is a no-op, as the rename is still atomic.
   */
  static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not supported here (e.g. Windows); durability of the rename is then up to the filesystem.
    }
  }
}
