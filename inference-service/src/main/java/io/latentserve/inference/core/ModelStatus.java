package io.latentserve.inference.core;

import io.latentserve.bundle.Provenance;
import io.latentserve.model.VaeArchitecture;
import java.util.Objects;

/**
 * One version of a model in the repository, as a replica sees it.
 *
 * @param id the version
 * @param state loaded, loading, available or failed
 * @param architecture from the bundle's manifest; null if the manifest cannot be read
 * @param provenance from the manifest; null if the manifest cannot be read
 * @param manifestSha256 hex sha256 of manifest.json; empty if it cannot be read
 * @param device where it runs ("cpu", "cuda:N") when loaded, else empty
 * @param memoryBytes memory the loaded version holds, bytes, measured when it loaded; 0 when not
 *     loaded
 * @param failure why it failed to load; empty unless {@code state} is FAILED
 */
public record ModelStatus(
    ModelId id,
    ModelState state,
    VaeArchitecture architecture,
    Provenance provenance,
    String manifestSha256,
    String device,
    long memoryBytes,
    String failure,
    io.latentserve.model.LogPartition logPartition) {
  public ModelStatus {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(manifestSha256, "manifestSha256");
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(failure, "failure");
  }

  /** A status without a log Z (a model without an RBM prior, or one not read). */
  public ModelStatus(
      ModelId id,
      ModelState state,
      VaeArchitecture architecture,
      Provenance provenance,
      String manifestSha256,
      String device,
      long memoryBytes,
      String failure) {
    this(id, state, architecture, provenance, manifestSha256, device, memoryBytes, failure, null);
  }
}
