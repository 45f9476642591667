package io.latentserve.inference.onnx;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.Manifest;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.ExportedGraphs;
import io.latentserve.bundle.onnx.VaeOnnxExporter;
import io.latentserve.model.VaeWeights;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Bundles exported from seeded weights into a test folder, as the trainer would publish them. */
public final class TestBundles {
  private TestBundles() {}

  /** Exports {@code weights} and publishes them as version 1 of {@code name} under {@code root}. */
  public static Bundle publish(VaeWeights weights, Path root, String name) {
    ExportedGraphs graphs = VaeOnnxExporter.export(weights);
    Map<String, byte[]> files = new HashMap<>();
    for (GraphRole role : GraphRole.values()) {
      files.put(graphs.specs().get(role).file(), graphs.model(role));
    }
    Manifest manifest =
        new Manifest(
            Manifest.FORMAT_VERSION,
            weights.architecture(),
            graphs.specs(),
            new Provenance(
                "{\"generator\":\"test\"}", "none", 7, 0, Map.of(), "test", Instant.EPOCH),
            Map.of());
    FileSystemModelRepository repository = new FileSystemModelRepository(root);
    Bundle published = repository.publish(name, manifest, files);
    return repository.open(name, published.version());
  }
}
