package io.latentserve.datasets;

import java.io.IOException;
import java.nio.file.Path;

/** An IDX file whose bytes do not match the format or the layout the caller expects. */
public final class IdxFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /** A message that starts with the file, then says what was expected and what was found. */
  public IdxFormatException(Path file, String message) {
    super(file + ": " + message);
    this.file = file;
  }

  /** As {@link #IdxFormatException(Path, String)}, with the underlying cause. */
  public IdxFormatException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
    this.file = file;
  }

  /** The file that failed to parse. */
  public Path file() {
    return file;
  }
}
