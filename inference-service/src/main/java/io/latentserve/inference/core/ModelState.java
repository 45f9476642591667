package io.latentserve.inference.core;

/** Where one served version of a model stands on this replica. */
public enum ModelState {
  /** In memory and answering requests. */
  LOADED,
  /** Being loaded; requests for it wait. */
  LOADING,
  /** Served under its version policy but not in memory: the next request loads it. */
  AVAILABLE,
  /** In the repository but cannot be loaded; retried only when published again. */
  FAILED
}
