package io.latentserve.datasets;

/** Receives the progress of a fetch, on the fetching thread. */
@FunctionalInterface
public interface FetchListener {
  /** A listener that ignores everything. */
  FetchListener NONE = event -> {};

  void onEvent(FetchEvent event);
}
