package io.latentserve.cli;

import io.latentserve.datasets.DatasetFetcher;
import io.latentserve.datasets.FetchEvent;
import io.latentserve.datasets.FetchResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** Runs the dataset fetcher with its progress on the terminal. */
final class DatasetFetching {
  private DatasetFetching() {}

  static FetchResult fetch(String name, Path dataDir, PrintWriter out) throws IOException {
    FetchResult result =
        new DatasetFetcher()
            .fetch(
                name,
                dataDir,
                event -> {
                  if (event.kind() == FetchEvent.Kind.ALREADY_PRESENT) {
                    return; // the summary line below says it
                  } else if (event.kind() == FetchEvent.Kind.PROGRESS) {
                    out.printf(Locale.ROOT, "\r      %s %s", event.file(), megabytes(event));
                  } else {
                    out.printf(
                        "%s      %s%n",
                        event.kind() == FetchEvent.Kind.DOWNLOADED ? "\n" : "", event.message());
                  }
                  out.flush();
                });
    if (result.alreadyPresent()) {
      out.printf("      %s already present in %s%n", name, result.directory());
    } else {
      out.printf("      %s installed in %s (from %s)%n", name, result.directory(), result.source());
    }
    return result;
  }

  private static String megabytes(FetchEvent event) {
    return event.totalBytes() > 0
        ? String.format(
            Locale.ROOT, "%.1f / %.1f MB", event.bytes() / 1e6, event.totalBytes() / 1e6)
        : String.format(Locale.ROOT, "%.1f MB", event.bytes() / 1e6);
  }
}
