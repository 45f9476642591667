package io.latentserve.trainer.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentserve.bundle.SweepOrigin;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A sweep's points as a worker outside the trainer reads them (the Kubernetes Indexed Job's
 * ConfigMap): the sweep's id and model name and each point's axis values and full spec.
 *
 * <pre>{@code
 * {"sweep_id": "<uuid>", "model_name": "lag",
 *  "points": [{"index": 0, "values": {"mi": "1", "e1": "84"}, "spec": {<TrainingSpecJson>}}]}
 * }</pre>
 */
public record SweepConfig(String sweepId, String modelName, List<SweepPoint> points) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public SweepConfig {
    Objects.requireNonNull(sweepId, "sweepId");
    Objects.requireNonNull(modelName, "modelName");
    points = List.copyOf(points);
  }

  /** Point {@code index}'s origin, for its job and its bundle's provenance. */
  public SweepOrigin origin(int index) {
    return new SweepOrigin(sweepId, index, points.get(index).values());
  }

  public String toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("sweep_id", sweepId);
    root.put("model_name", modelName);
    ArrayNode array = root.putArray("points");
    for (SweepPoint p : points) {
      ObjectNode node = array.addObject();
      node.put("index", p.index());
      ObjectNode values = node.putObject("values");
      p.values().forEach(values::put);
      node.set("spec", TrainingSpecJson.toNode(p.spec()));
    }
    return root.toPrettyString() + "\n";
  }

  /**
   * @throws IllegalArgumentException if the JSON is not a sweep configuration or a spec is invalid
   */
  public static SweepConfig fromJson(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "sweep configuration is not valid JSON: " + e.getMessage(), e);
    }
    if (!root.hasNonNull("sweep_id") || !root.hasNonNull("model_name") || !root.has("points")) {
      throw new IllegalArgumentException(
          "sweep configuration needs sweep_id, model_name and points");
    }
    List<SweepPoint> points = new ArrayList<>();
    for (JsonNode p : root.get("points")) {
      Map<String, String> values = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = p.path("values").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        values.put(e.getKey(), e.getValue().asText());
      }
      points.add(
          new SweepPoint(
              p.path("index").asInt(points.size()),
              values,
              TrainingSpecJson.fromNode(p.get("spec")),
              "",
              ""));
    }
    return new SweepConfig(
        root.get("sweep_id").textValue(), root.get("model_name").textValue(), points);
  }
}
