package io.latentserve.evaluator.core;

/** Receives progress events of one evaluation, from the thread that runs it. */
@FunctionalInterface
public interface ProgressListener {
  void onProgress(Progress progress);

  /** A listener that drops every event. */
  static ProgressListener none() {
    return p -> {};
  }
}
