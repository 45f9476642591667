package io.latentserve.bundle;

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
 */
public record Manifest(
    int formatVersion,
    VaeArchitecture architecture,
    Map<GraphRole, GraphSpec> graphs,
    Provenance provenance,
    Map<String, String> sha256) {

  /** The only format this code writes and reads. */
  public static final int FORMAT_VERSION = 1;

  public static final String FILE_NAME = "manifest.json";

  public Manifest {
    graphs = Map.copyOf(graphs);
    sha256 = Map.copyOf(sha256);
  }

  public GraphSpec graph(GraphRole role) {
    GraphSpec spec = graphs.get(role);
    if (spec == null) {
      throw new IllegalStateException("bundle has no " + role + " graph");
    }
    return spec;
  }
}
