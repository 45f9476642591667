package io.latentserve.server.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tokens file that is read again when it changes, so that a Kubernetes Secret's new tokens are
 * accepted (and removed ones refused) without a restart. At most once per {@code checkEvery} a call
 * looks at the file's modification time; a file that changed to something unreadable or malformed
 * is logged and the tokens read before stay in force.
 */
public final class TokensFile {
  private static final Logger log = LoggerFactory.getLogger(TokensFile.class);

  /** How often the file's modification time is looked at by default. */
  public static final Duration DEFAULT_CHECK_EVERY = Duration.ofSeconds(10);

  private final Path file;
  private final long checkEveryNanos;
  private volatile BearerTokens tokens;
  private volatile FileTime modified;
  private volatile long nextCheck;

  private TokensFile(Path file, Duration checkEvery, BearerTokens tokens, FileTime modified) {
    this.file = file;
    this.checkEveryNanos = checkEvery.toNanos();
    this.tokens = tokens;
    this.modified = modified;
    this.nextCheck = System.nanoTime() + checkEveryNanos;
  }

  /**
   * Reads {@code file} now.
   *
   * @throws UncheckedIOException if it cannot be read
   * @throws IllegalArgumentException if it is malformed (see {@link BearerTokens})
   */
  public static TokensFile open(Path file, Duration checkEvery) {
    Objects.requireNonNull(file, "file");
    try {
      FileTime modified = Files.getLastModifiedTime(file);
      BearerTokens tokens = BearerTokens.read(file);
      log.info("accepting {} bearer tokens from {}", tokens.size(), file);
      return new TokensFile(file, checkEvery, tokens, modified);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokens file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The tokens in force, read again first if the file changed since the last look. */
  public BearerTokens current() {
    long now = System.nanoTime();
    if (now - nextCheck >= 0) {
      nextCheck = now + checkEveryNanos;
      reloadIfChanged();
    }
    return tokens;
  }

  private synchronized void reloadIfChanged() {
    try {
      FileTime now = Files.getLastModifiedTime(file);
      if (now.equals(modified)) {
        return;
      }
      BearerTokens next = BearerTokens.read(file);
      tokens = next;
      modified = now;
      log.info("tokens file {} changed: now accepting {} bearer tokens", file, next.size());
    } catch (IOException | IllegalArgumentException e) {
      log.warn(
          "tokens file {} changed but cannot be used, keeping the tokens read before: {}",
          file,
          e.getMessage());
    }
  }
}
