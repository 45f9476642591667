package io.latentserve.inference.core;

import java.time.Duration;

/**
 * Told what the model registry loads and unloads (metrics). Called on the registry's threads; must
 * be quick and must not throw.
 */
public interface RegistryListener {
  /** Why a load started. */
  enum LoadTrigger {
    /** The repository scan found a version to serve and memory allowed loading it at once. */
    SCAN,
    /** A request named a version that was not loaded (a cold start). */
    REQUEST,
    /** An operator's LoadModel. */
    OPERATOR
  }

  /** Why a version left memory. */
  enum UnloadReason {
    /** Deleted or replaced in the repository. */
    REMOVED,
    /** No longer selected by its version policy. */
    POLICY,
    /** The least recently used idle version, unloaded to stay within the memory budget. */
    BUDGET,
    /** An operator's UnloadModel. */
    OPERATOR
  }

  /** Does nothing. */
  RegistryListener NONE = new RegistryListener() {};

  /**
   * A version finished loading.
   *
   * @param memoryBytes what it holds, as accounted against the budget
   * @param took from the start of the load to ready
   */
  default void onLoaded(ModelId id, LoadTrigger trigger, long memoryBytes, Duration took) {}

  /** A version failed to load. */
  default void onLoadFailed(ModelId id, LoadTrigger trigger) {}

  /** A version left memory (it closes when its in-flight calls finish). */
  default void onUnloaded(ModelId id, UnloadReason reason) {}
}
