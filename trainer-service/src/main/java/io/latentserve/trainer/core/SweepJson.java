package io.latentserve.trainer.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentserve.bundle.SweepOrigin;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link Sweep} as JSON, as the job store keeps it:
 *
 * <pre>{@code
 * {"id": "<uuid>", "model_name": "lag", "base": {<TrainingSpecJson>},
 *  "groups": [{"mode": "grid", "axes": [{"field": "mi", "values": ["1", "-1"]}]}],
 *  "points": [{"index": 0, "values": {"mi": "1"}, "spec": {...}, "job_id": "", "failure": ""}],
 *  "cancelled": false, "created": "...", "updated": "...", "submitted_by": ""}
 * }</pre>
 */
final class SweepJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SweepJson() {}

  static String write(Sweep sweep) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("id", sweep.id());
    root.put("model_name", sweep.modelName());
    root.set("base", TrainingSpecJson.toNode(sweep.base()));
    ArrayNode groups = root.putArray("groups");
    for (SweepGroup group : sweep.groups()) {
      ObjectNode g = groups.addObject();
      g.put("mode", group.mode().name().toLowerCase(Locale.ROOT));
      ArrayNode axes = g.putArray("axes");
      for (SweepGroup.Axis axis : group.axes()) {
        ObjectNode a = axes.addObject();
        a.put("field", axis.field());
        axis.values().forEach(a.putArray("values")::add);
      }
    }
    ArrayNode points = root.putArray("points");
    for (SweepPoint point : sweep.points()) {
      ObjectNode p = points.addObject();
      p.put("index", point.index());
      p.set("values", values(point.values()));
      p.set("spec", TrainingSpecJson.toNode(point.spec()));
      p.put("job_id", point.jobId());
      p.put("failure", point.failure());
    }
    root.put("cancelled", sweep.cancelled());
    root.put("created", sweep.created().toString());
    root.put("updated", sweep.updated().toString());
    root.put("submitted_by", sweep.submittedBy());
    return root.toPrettyString();
  }

  static Sweep read(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("sweep file is not valid JSON: " + e.getMessage(), e);
    }
    List<SweepGroup> groups = new ArrayList<>();
    for (JsonNode g : root.get("groups")) {
      List<SweepGroup.Axis> axes = new ArrayList<>();
      for (JsonNode a : g.get("axes")) {
        List<String> values = new ArrayList<>();
        a.get("values").forEach(v -> values.add(v.textValue()));
        axes.add(new SweepGroup.Axis(a.get("field").textValue(), values));
      }
      groups.add(
          new SweepGroup(
              axes, SweepGroup.Mode.valueOf(g.get("mode").textValue().toUpperCase(Locale.ROOT))));
    }
    List<SweepPoint> points = new ArrayList<>();
    for (JsonNode p : root.get("points")) {
      points.add(
          new SweepPoint(
              p.get("index").intValue(),
              values(p.get("values")),
              TrainingSpecJson.fromNode(p.get("spec")),
              p.get("job_id").textValue(),
              p.path("failure").asText("")));
    }
    return new Sweep(
        root.get("id").textValue(),
        root.get("model_name").textValue(),
        TrainingSpecJson.fromNode(root.get("base")),
        groups,
        points,
        root.get("cancelled").booleanValue(),
        Instant.parse(root.get("created").textValue()),
        Instant.parse(root.get("updated").textValue()),
        root.path("submitted_by").asText(""));
  }

  /** A job's sweep as the job file keeps it: {@code {"id": ..., "index": 3, "values": {...}}}. */
  static ObjectNode origin(SweepOrigin origin) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("id", origin.sweepId());
    node.put("index", origin.index());
    node.set("values", values(origin.values()));
    return node;
  }

  static SweepOrigin origin(JsonNode node) {
    return new SweepOrigin(
        node.get("id").textValue(), node.get("index").intValue(), values(node.get("values")));
  }

  private static ObjectNode values(Map<String, String> values) {
    ObjectNode node = MAPPER.createObjectNode();
    values.forEach(node::put);
    return node;
  }

  private static Map<String, String> values(JsonNode node) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      values.put(e.getKey(), e.getValue().textValue());
    }
    return values;
  }
}
