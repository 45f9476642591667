package io.latentserve.datasets;

/**
 * A step of {@link DatasetFetcher#fetch}.
 *
 * @param dataset catalogue name
 * @param kind what happened
 * @param file the file concerned (a download, or a data set file), or "" for the whole data set
 * @param source the URL or local path being read, or ""
 * @param bytes bytes transferred so far (for {@link Kind#PROGRESS} and {@link Kind#DOWNLOADED})
 * @param totalBytes the expected total, or -1 when the server did not say
 * @param message a human-readable line
 */
public record FetchEvent(
    String dataset,
    Kind kind,
    String file,
    String source,
    long bytes,
    long totalBytes,
    String message) {
  /** The kinds of step, in the order a fetch goes through them. */
  public enum Kind {
    /** Every file is present already: nothing to do. */
    ALREADY_PRESENT,
    /** A download or copy begins. */
    STARTED,
    /** Bytes arrived (at most about once per MiB). */
    PROGRESS,
    /** A download finished. */
    DOWNLOADED,
    /** A source failed (unreachable, HTTP error, digest mismatch); the next one is tried. */
    SOURCE_FAILED,
    /** A file matched its pinned digest. */
    VERIFIED,
    /** The files were moved into the data directory. */
    INSTALLED
  }

  public FetchEvent {
    if (dataset == null || kind == null) {
      throw new IllegalArgumentException("dataset and kind are required");
    }
    file = file == null ? "" : file;
    source = source == null ? "" : source;
    message = message == null ? "" : message;
  }
}
