package io.latentserve.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The part of Kubernetes' strategic merge patch that the overlays use: mappings merge key by key,
 * the lists that Kubernetes merges by a key ({@code containers}, {@code env}, {@code volumes},
 * {@code volumeMounts}, {@code ports}, ...) merge element by element on that key, every other list
 * and every scalar is replaced, and {@code null} deletes. Directives ({@code $patch}, {@code
 * $retainKeys}, ...) are refused rather than misapplied.
 */
final class StrategicMerge {
  private static final Map<String, String> MERGE_KEYS =
      Map.ofEntries(
          Map.entry("containers", "name"),
          Map.entry("initContainers", "name"),
          Map.entry("ephemeralContainers", "name"),
          Map.entry("env", "name"),
          Map.entry("volumes", "name"),
          Map.entry("imagePullSecrets", "name"),
          Map.entry("volumeMounts", "mountPath"),
          Map.entry("volumeDevices", "devicePath"));

  private StrategicMerge() {}

  /** A new tree: {@code patch} applied to {@code target}; neither argument is modified. */
  static JsonNode merge(JsonNode target, JsonNode patch) {
    if (!(target instanceof ObjectNode t) || !(patch instanceof ObjectNode p)) {
      return patch.deepCopy();
    }
    ObjectNode result = t.deepCopy();
    for (Map.Entry<String, JsonNode> e : p.properties()) {
      String key = e.getKey();
      JsonNode value = e.getValue();
      if (key.startsWith("$")) {
        throw new UnsupportedOperationException("strategic merge directive " + key);
      }
      JsonNode current = result.get(key);
      if (value.isNull()) {
        result.remove(key);
      } else if (current instanceof ArrayNode a && value instanceof ArrayNode b) {
        String mergeKey = mergeKey(key, b);
        result.set(key, mergeKey == null ? b.deepCopy() : mergeList(a, b, mergeKey));
      } else if (current != null && current.isObject() && value.isObject()) {
        result.set(key, merge(current, value));
      } else {
        result.set(key, value.deepCopy());
      }
    }
    return result;
  }

  private static String mergeKey(String field, ArrayNode patch) {
    if (field.equals("ports")) {
      // container ports merge on containerPort, Service ports on port
      return patch.size() > 0 && patch.get(0).has("containerPort") ? "containerPort" : "port";
    }
    return MERGE_KEYS.get(field);
  }

  private static ArrayNode mergeList(ArrayNode target, ArrayNode patch, String mergeKey) {
    ArrayNode result = target.deepCopy();
    for (JsonNode element : patch) {
      JsonNode key = element.get(mergeKey);
      if (key == null) {
        throw new IllegalArgumentException(
            "a patch element has no merge key " + mergeKey + ": " + element);
      }
      int index = -1;
      for (int i = 0; i < result.size(); i++) {
        if (key.equals(result.get(i).get(mergeKey))) {
          index = i;
          break;
        }
      }
      if (index < 0) {
        result.add(element.deepCopy());
      } else {
        result.set(index, merge(result.get(index), element));
      }
    }
    return result;
  }
}
