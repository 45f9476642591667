package io.latentserve.inference.core;

import io.latentserve.bundle.Provenance;
import java.util.Objects;

/**
 * A loaded model version and the bundle facts that GetModel reports.
 *
 * @param model the model; use it only while holding a {@link ModelLease} on it
 * @param provenance where the bundle came from
 * @param manifestSha256 lower-case hex sha256 of the bundle's manifest.json
 */
public record ServedModel(VaeModel model, Provenance provenance, String manifestSha256) {
  public ServedModel {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provenance, "provenance");
    Objects.requireNonNull(manifestSha256, "manifestSha256");
  }
}
