package io.latentserve.inference.core;

import java.time.Duration;
import java.util.List;

/**
 * The model versions a replica serves: what the gRPC service needs from the model registry.
 * Implementations are thread-safe.
 */
public interface ModelCatalog {
  /**
   * Leases one version, loading it first when it is served but not in memory.
   *
   * @param name model name
   * @param version version >= 1, or 0 for the highest served version
   * @param loadWait longest to wait for a load, e.g. the request's remaining deadline
   * @throws ModelNotFoundException if the model or version is not in the repository, or is not
   *     served under its version policy; the message names what is served
   * @throws FailedPreconditionException if the version is in the repository but failed to load
   * @throws LoadTimeoutException if the version is still loading after {@code loadWait}
   * @throws CatalogUnavailableException if the repository has not been loaded yet or the catalog is
   *     closed
   */
  ModelLease acquire(String name, long version, Duration loadWait);

  /** {@link #acquire(String, long, Duration)} with the catalog's own load wait. */
  ModelLease acquire(String name, long version);

  /** Every served (or failed) version in the repository, loaded or not, by name then version. */
  List<ModelStatus> statuses();

  /** Loads a served version now, waiting up to {@code loadWait}, and returns its status. */
  ModelStatus load(String name, long version, Duration loadWait);

  /**
   * Unloads one version, or every loaded version of the model for version 0; each stays served and
   * loads again on its next request.
   *
   * @return the versions unloaded
   */
  List<ModelId> unload(String name, long version);

  /** Every loaded version, ordered by name then version. */
  List<ServedModel> list();

  /** Loaded versions of a model, ascending; empty for an unknown model. */
  List<Long> versions(String name);

  /** Bytes the loaded versions hold together, as accounted against the memory budget. */
  long loadedBytes();

  /** The memory budget for loaded versions, bytes; 0 for none. */
  long memoryBudgetBytes();
}
