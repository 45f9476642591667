package io.latentserve.bundle;

import io.latentserve.model.LogPartition;
import io.latentserve.model.VaeArchitecture;
import java.util.Map;

/**
 * The description of a bundle folder ({@code manifest.json}): what the model is, which graph does
 * what, where it came from, and the sha256 of every other file in the folder.
 *
 * @param formatVersion bundle format version; readers reject versions they do not know
 * @param architecture the VAE's shape, likelihood and latent layers (all diagonal Gaussian in
 *     format 1)
 * @param graphs every {@link GraphRole} of the bundle
 * @param sha256 lower-case hex sha256 of every file except manifest.json, by file name
 * @param logPartition the log Z estimate of an {@link io.latentserve.model.Prior#RBM} prior
 *     (required for such a model, null for every other); the RBM's parameters themselves are
 *     initializers of the log-joint and log-weights graphs (see {@code RbmInitializers})
 */
public record Manifest(
    int formatVersion,
    VaeArchitecture architecture,
    Map<GraphRole, GraphSpec> graphs,
    Provenance provenance,
    Map<String, String> sha256,
    LogPartition logPartition) {

  /** The only format this code writes and reads. */
  public static final int FORMAT_VERSION = 1;

  public static final String FILE_NAME = "manifest.json";

  public Manifest {
    graphs = Map.copyOf(graphs);
    sha256 = Map.copyOf(sha256);
    if (architecture.rbmUnits() > 0 && logPartition == null) {
      throw new IllegalArgumentException(
          "a model with the rbm prior needs its log Z estimate in the manifest");
    }
    if (architecture.rbmUnits() == 0 && logPartition != null) {
      throw new IllegalArgumentException(
          "the " + architecture.prior().name() + " prior has no log Z, got " + logPartition);
    }
  }

  /** A manifest of a model without an RBM prior. */
  public Manifest(
      int formatVersion,
      VaeArchitecture architecture,
      Map<GraphRole, GraphSpec> graphs,
      Provenance provenance,
      Map<String, String> sha256) {
    this(formatVersion, architecture, graphs, provenance, sha256, null);
  }

  public GraphSpec graph(GraphRole role) {
    GraphSpec spec = graphs.get(role);
    if (spec == null) {
      throw new IllegalStateException("bundle has no " + role + " graph");
    }
    return spec;
  }
}
