package io.latentserve.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the features this project's
 * kustomizations use: {@code resources} (files, or folders holding a kustomization), {@code
 * namespace}, and {@code patches} given by {@code path} (strategic merge patches that name their
 * target by kind and name). Any other field is refused, so that a kustomization never renders here
 * differently from the real tool without a test noticing.
 */
final class Kustomization {
  private static final Set<String> SUPPORTED =
      Set.of("apiVersion", "kind", "resources", "namespace", "patches");
  private static final Set<String> CLUSTER_SCOPED =
      Set.of(
          "Namespace",
          "PersistentVolume",
          "StorageClass",
          "ClusterRole",
          "ClusterRoleBinding",
          "CustomResourceDefinition",
          "PriorityClass");

  private Kustomization() {}

  /** The resources of the kustomization in {@code dir}, in order, as YAML trees. */
  static List<ObjectNode> render(Path dir) {
    Path file = dir.resolve("kustomization.yaml");
    List<ObjectNode> docs = DeployFiles.readDocuments(file);
    if (docs.size() != 1) {
      throw new IllegalArgumentException(file + ": expected one document, got " + docs.size());
    }
    ObjectNode k = docs.get(0);
    for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!SUPPORTED.contains(field)) {
        throw new UnsupportedOperationException(file + ": field " + field + " is not supported");
      }
    }
    List<ObjectNode> resources = new ArrayList<>();
    for (JsonNode r : k.path("resources")) {
      Path p = dir.resolve(r.asText()).normalize();
      if (Files.isDirectory(p)) {
        resources.addAll(render(p));
      } else {
        resources.addAll(DeployFiles.readDocuments(p));
      }
    }
    for (JsonNode patch : k.path("patches")) {
      if (patch.size() != 1 || !patch.has("path")) {
        throw new UnsupportedOperationException(
            file + ": only patches given by path alone are supported: " + patch);
      }
      for (ObjectNode doc : DeployFiles.readDocuments(dir.resolve(patch.get("path").asText()))) {
        apply(resources, doc, file);
      }
    }
    if (k.hasNonNull("namespace")) {
      String namespace = k.get("namespace").asText();
      for (ObjectNode r : resources) {
        if (!CLUSTER_SCOPED.contains(r.path("kind").asText())) {
          r.withObject("/metadata").put("namespace", namespace);
        }
      }
    }
    return resources;
  }

  private static void apply(List<ObjectNode> resources, ObjectNode patch, Path file) {
    String kind = patch.path("kind").asText();
    String name = patch.path("metadata").path("name").asText();
    for (int i = 0; i < resources.size(); i++) {
      ObjectNode r = resources.get(i);
      if (r.path("kind").asText().equals(kind)
          && r.path("metadata").path("name").asText().equals(name)
          && group(r).equals(group(patch))) {
        resources.set(i, (ObjectNode) StrategicMerge.merge(r, patch));
        return;
      }
    }
    throw new IllegalArgumentException(
        file + ": the patch's target " + kind + "/" + name + " is not a resource");
  }

  private static String group(JsonNode r) {
    String apiVersion = r.path("apiVersion").asText();
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }
}
