package io.latentserve.bundle;

import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** Manifests and fake graph files for tests; the graph bytes are not ONNX. */
final class TestBundles {
  static final Instant CREATED = Instant.parse("2025-03-01T12:34:56.789Z");

  private TestBundles() {}

  /** A probabilistic-PCA-like architecture: 5 features, 2 latents, linear maps, fixed sigma. */
  static VaeArchitecture linearGaussian() {
    return new VaeArchitecture(
        5,
        List.of(new StochasticLayer("z", 2, List.of())),
        Activation.TANH,
        LikelihoodFamily.GAUSSIAN_FIXED,
        0.25);
  }

  static Provenance provenance() {
    return new Provenance(
        "{\"objective\":\"iwae\",\"k\":5}",
        "mnist",
        42,
        3,
        Map.of("iwae_bound", -88.125, "elbo", -90.5),
        "0.1.0-test",
        CREATED);
  }

  /** A manifest with the standard graphs and no digests yet. */
  static Manifest manifest(VaeArchitecture architecture) {
    return new Manifest(
        Manifest.FORMAT_VERSION,
        architecture,
        StandardGraphSpecs.forArchitecture(architecture),
        provenance(),
        Map.of());
  }

  /** A manifest whose graphs are the standard ones changed by {@code change}. */
  static Manifest manifestWithGraph(
      VaeArchitecture architecture, GraphRole role, UnaryOperator<GraphSpec> change) {
    Map<GraphRole, GraphSpec> graphs =
        new EnumMap<>(StandardGraphSpecs.forArchitecture(architecture));
    GraphSpec changed = change.apply(graphs.get(role));
    if (changed == null) {
      graphs.remove(role);
    } else {
      graphs.put(role, changed);
    }
    return new Manifest(Manifest.FORMAT_VERSION, architecture, graphs, provenance(), Map.of());
  }

  /** One fake file per graph role, 1 KiB of seeded bytes after a readable header. */
  static Map<String, byte[]> graphFiles(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, byte[]> files = new TreeMap<>();
    for (GraphRole role : GraphRole.values()) {
      byte[] header = ("fake " + role.fileName() + "\n").getBytes(StandardCharsets.US_ASCII);
      byte[] bytes = new byte[header.length + 1024];
      System.arraycopy(header, 0, bytes, 0, header.length);
      for (int i = header.length; i < bytes.length; i++) {
        bytes[i] = (byte) random.nextInt(256);
      }
      files.put(role.fileName(), bytes);
    }
    return files;
  }

  /**
   * Writes {@code files} and a manifest.json listing their digests into {@code dir}, bypassing the
   * repository's checks.
   */
  static Manifest writeFolder(Path dir, Manifest manifest, Map<String, byte[]> files)
      throws IOException {
    Files.createDirectories(dir);
    Map<String, String> sha256 = new TreeMap<>();
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Files.write(dir.resolve(file.getKey()), file.getValue());
      sha256.put(file.getKey(), BundleFiles.sha256(file.getValue()));
    }
    Manifest complete =
        new Manifest(
            manifest.formatVersion(),
            manifest.architecture(),
            manifest.graphs(),
            manifest.provenance(),
            sha256);
    Files.writeString(dir.resolve(Manifest.FILE_NAME), ManifestJson.write(complete));
    return complete;
  }

  /** A copy of {@code spec} with one input replaced (same name) or removed ({@code null}). */
  static GraphSpec replaceInput(GraphSpec spec, String name, TensorSpec replacement) {
    return new GraphSpec(spec.file(), replace(spec.inputs(), name, replacement), spec.outputs());
  }

  static GraphSpec replaceOutput(GraphSpec spec, String name, TensorSpec replacement) {
    return new GraphSpec(spec.file(), spec.inputs(), replace(spec.outputs(), name, replacement));
  }

  private static List<TensorSpec> replace(
      List<TensorSpec> tensors, String name, TensorSpec replacement) {
    if (tensors.stream().noneMatch(t -> t.name().equals(name))) {
      throw new IllegalArgumentException("no tensor " + name + " in " + tensors);
    }
    return tensors.stream()
        .map(t -> t.name().equals(name) ? replacement : t)
        .filter(t -> t != null)
        .toList();
  }
}
