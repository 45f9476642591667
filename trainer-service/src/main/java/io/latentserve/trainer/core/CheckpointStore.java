package io.latentserve.trainer.core;

import java.util.Optional;

/** Where a training run keeps its latest {@link Checkpoint}. */
public interface CheckpointStore {
  /** The latest checkpoint saved, if any. */
  Optional<Checkpoint> load();

  /** Replaces the latest checkpoint atomically: a crash leaves the old one or the new one. */
  void save(Checkpoint checkpoint);

  /** A store that keeps nothing. */
  static CheckpointStore none() {
    return new CheckpointStore() {
      @Override
      public Optional<Checkpoint> load() {
        return Optional.empty();
      }

      @Override
      public void save(Checkpoint checkpoint) {}
    };
  }
}
