package io.latentserve.inference.core;

import java.util.List;

/**
 * The model versions a replica serves: what the gRPC service needs from the model registry.
 * Implementations are thread-safe.
 */
public interface ModelCatalog {
  /**
   * Leases one version.
   *
   * @param name model name
   * @param version version >= 1, or 0 for the highest loaded version
   * @throws ModelNotFoundException if the model or version is not loaded; the message names what is
   * @throws FailedPreconditionException if the version is in the repository but failed to load
   * @throws CatalogUnavailableException if the repository has not been loaded yet or the catalog is
   *     closed
   */
  ModelLease acquire(String name, long version);

  /** Every loaded version, ordered by name then version. */
  List<ServedModel> list();

  /** Loaded versions of a model, ascending; empty for an unknown model. */
  List<Long> versions(String name);
}
