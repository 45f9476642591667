package io.latentserve.server.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The static bearer tokens a service accepts, from a tokens file: one {@code token roles subject} a
 * line, separated by spaces or tabs, where roles is one role or a comma-separated list ({@code
 * read}, {@code evaluate}, {@code train}; {@code train,read}); blank lines and lines starting with
 * {@code #} are skipped.
 *
 * <pre>
 * # token                                                           roles       subject
 * 3f9c...64 hex digits...                                            read        dashboards
 * a1b2...64 hex digits...                                            train,read  alice
 * </pre>
 *
 * <p>Tokens are kept only as their SHA-256 digests, so that a lookup takes the same time whatever
 * prefix of a real token a caller guesses, and no token is ever logged or put in an error: a bad
 * line is named by its number.
 */
public final class BearerTokens {
  /** Shorter tokens are refused: {@code openssl rand -hex 32} gives 64 characters. */
  public static final int MIN_TOKEN_LENGTH = 16;

  private final Map<String, Caller> byDigest;

  private BearerTokens(Map<String, Caller> byDigest) {
    this.byDigest = Map.copyOf(byDigest);
  }

  /**
   * Reads a tokens file.
   *
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException {@code tokens file F line 3: ...} for a malformed line, a
   *     short or repeated token, or a file without any token
   */
  public static BearerTokens read(Path file) throws IOException {
    return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  /** Parses the lines of a tokens file; {@code source} names it in errors. */
  static BearerTokens parse(String source, List<String> lines) {
    Map<String, Caller> byDigest = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "tokens file " + source + " line " + (i + 1) + ": ";
      String[] fields = line.split("\\s+");
      if (fields.length != 3) {
        throw new IllegalArgumentException(
            where + "expected 3 fields (token roles subject), got " + fields.length);
      }
      if (fields[0].length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException(
            where
                + "token must have at least "
                + MIN_TOKEN_LENGTH
                + " characters, got "
                + fields[0].length());
      }
      Set<Role> roles = EnumSet.noneOf(Role.class);
      try {
        for (String role : fields[1].split(",", -1)) {
          roles.add(Role.parse(role));
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + e.getMessage(), e);
      }
      if (byDigest.put(digest(fields[0]), new Caller(fields[2], roles)) != null) {
        throw new IllegalArgumentException(where + "token repeats an earlier line's token");
      }
    }
    if (byDigest.isEmpty()) {
      throw new IllegalArgumentException(
          "tokens file " + source + " has no token: every call would be refused");
    }
    return new BearerTokens(byDigest);
  }

  /** The caller a token belongs to; empty for an unknown token. */
  public Optional<Caller> find(String token) {
    return Optional.ofNullable(byDigest.get(digest(token)));
  }

  /** How many tokens the file holds. */
  public int size() {
    return byDigest.size();
  }

  private static String digest(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
