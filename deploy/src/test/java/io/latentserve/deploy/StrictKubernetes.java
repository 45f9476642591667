package io.latentserve.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns YAML trees into fabric8 Kubernetes model objects, strictly: the kind must have a model
 * class (ServiceMonitor included, from the monitoring model), no field may be unknown (the models
 * keep unknown fields in {@code additionalProperties}, which must stay empty everywhere in the
 * tree), and scalars are not coerced (a quoted port or an unquoted {@code true} label value fails,
 * as the API server would refuse it).
 */
final class StrictKubernetes {
  private static final KubernetesSerialization SERIALIZATION = strictSerialization();

  private StrictKubernetes() {}

  private static KubernetesSerialization strictSerialization() {
    ObjectMapper mapper = new ObjectMapper();
    for (LogicalType type : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
      mapper
          .coercionConfigFor(type)
          .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
    mapper
        .coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    KubernetesSerialization serialization = new KubernetesSerialization(mapper, true);
    // fabric8 reads integers the lenient Go way ("50051" -> 50051); the standard deserializers,
    // registered last so that they win, honour the coercion settings above
    mapper.registerModule(
        new SimpleModule("latentserve-strict-numbers")
            .addDeserializer(
                Integer.class, new NumberDeserializers.IntegerDeserializer(Integer.class, null))
            .addDeserializer(
                Long.class, new NumberDeserializers.LongDeserializer(Long.class, null)));
    return serialization;
  }

  /**
   * The model object of one resource.
   *
   * @param source where the tree came from, for messages
   * @throws InvalidManifestException if the kind has no model, a field is unknown or a value has
   *     the wrong type
   */
  static HasMetadata parse(JsonNode tree, String source) {
    String what =
        source
            + ": "
            + tree.path("kind").asText("?")
            + "/"
            + tree.path("metadata").path("name").asText("?");
    KubernetesResource resource;
    try {
      resource = SERIALIZATION.convertValue(tree, KubernetesResource.class);
    } catch (RuntimeException e) {
      throw new InvalidManifestException(what + ": " + e.getMessage(), e);
    }
    if (resource instanceof GenericKubernetesResource || !(resource instanceof HasMetadata)) {
      throw new InvalidManifestException(
          what
              + ": no model for apiVersion "
              + tree.path("apiVersion").asText()
              + " kind "
              + tree.path("kind").asText());
    }
    List<String> unknown = new ArrayList<>();
    collectUnknown(resource, "", unknown);
    if (!unknown.isEmpty()) {
      throw new InvalidManifestException(what + ": unknown or mistyped fields " + unknown);
    }
    return (HasMetadata) resource;
  }

  /** Adds "path.field" for every entry of every {@code additionalProperties} in the tree. */
  private static void collectUnknown(Object node, String path, List<String> out) {
    if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        collectUnknown(list.get(i), path + "[" + i + "]", out);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        collectUnknown(e.getValue(), path + "." + e.getKey(), out);
      }
      return;
    }
    if (node == null || !node.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Class<?> c = node.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        boolean additional = f.getName().equals("additionalProperties");
        JsonProperty property = f.getAnnotation(JsonProperty.class);
        if (!additional && property == null) {
          continue;
        }
        Object value = get(f, node);
        if (additional) {
          if (value instanceof Map<?, ?> extra) {
            extra.keySet().forEach(k -> out.add(path.isEmpty() ? k.toString() : path + "." + k));
          }
        } else {
          String name = property.value().isEmpty() ? f.getName() : property.value();
          collectUnknown(value, path.isEmpty() ? name : path + "." + name, out);
        }
      }
    }
  }

  private static Object get(Field f, Object node) {
    try {
      f.setAccessible(true);
      return f.get(node);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + f, e);
    }
  }

  /** A manifest that the Kubernetes API would refuse, or that has a typo. */
  static final class InvalidManifestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidManifestException(String message) {
      super(message);
    }

    InvalidManifestException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
