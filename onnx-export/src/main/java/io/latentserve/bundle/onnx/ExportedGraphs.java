package io.latentserve.bundle.onnx;

import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.GraphSpec;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The ONNX graphs of one model, ready to be written into a bundle folder under {@link
 * GraphRole#fileName()}.
 *
 * @param specs each graph's file, inputs and outputs, as the manifest records them
 * @param models each graph as a serialized ONNX {@code ModelProto}; the same roles as {@code specs}
 */
public record ExportedGraphs(Map<GraphRole, GraphSpec> specs, Map<GraphRole, byte[]> models) {
  public ExportedGraphs {
    if (!specs.keySet().equals(models.keySet())) {
      throw new IllegalArgumentException(
          "specs cover " + specs.keySet() + " but models cover " + models.keySet());
    }
    Map<GraphRole, GraphSpec> specCopy = new EnumMap<>(GraphRole.class);
    specCopy.putAll(specs);
    specs = Collections.unmodifiableMap(specCopy);
    models = deepCopy(models);
  }

  /** Copies of the serialized models: the arrays are the caller's to keep or change. */
  @Override
  public Map<GraphRole, byte[]> models() {
    return deepCopy(models);
  }

  /**
   * A copy of one serialized model.
   *
   * @throws IllegalArgumentException if this export has no graph for {@code role}
   */
  public byte[] model(GraphRole role) {
    byte[] model = models.get(role);
    if (model == null) {
      throw new IllegalArgumentException("no " + role + " graph was exported");
    }
    return model.clone();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ExportedGraphs other)
        || !specs.equals(other.specs)
        || !models.keySet().equals(other.models.keySet())) {
      return false;
    }
    return models.entrySet().stream()
        .allMatch(e -> Arrays.equals(e.getValue(), other.models.get(e.getKey())));
  }

  @Override
  public int hashCode() {
    int hash = specs.hashCode();
    for (Map.Entry<GraphRole, byte[]> e : models.entrySet()) {
      hash = 31 * hash + (e.getKey().hashCode() ^ Arrays.hashCode(e.getValue()));
    }
    return hash;
  }

  @Override
  public String toString() {
    return "ExportedGraphs" + specs.keySet();
  }

  private static Map<GraphRole, byte[]> deepCopy(Map<GraphRole, byte[]> models) {
    Map<GraphRole, byte[]> copy = new EnumMap<>(GraphRole.class);
    models.forEach((role, bytes) -> copy.put(role, bytes.clone()));
    return Collections.unmodifiableMap(copy);
  }
}
