package io.latentserve.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/** Digest helpers for verifying downloads: hex digests and npm's SRI {@code sha512-<base64>}. */
final class Digests {
  private Digests() {}

  static MessageDigest create(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks " + algorithm, e);
    }
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  /** The SRI string of a SHA-512 digest, as npm's {@code dist.integrity}. */
  static String sri512(byte[] digest) {
    return "sha512-" + Base64.getEncoder().encodeToString(digest);
  }

  /** Hex digest of a file's bytes. */
  static String ofFile(Path file, String algorithm) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return ofStream(in, algorithm);
    }
  }

  /** Hex SHA-256 of an IDX file's content, decompressed when it is gzip. */
  static String idxContentSha256(Path file) throws IOException {
    try (InputStream in = IdxReader.open(file)) {
      return ofStream(in, "SHA-256");
    }
  }

  private static String ofStream(InputStream in, String algorithm) throws IOException {
    MessageDigest md = create(algorithm);
    byte[] buffer = new byte[1 << 16];
    for (int r; (r = in.read(buffer)) > 0; ) {
      md.update(buffer, 0, r);
    }
    return hex(md.digest());
  }
}
