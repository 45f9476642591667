package io.latentserve.trainer.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentserve.bundle.ModelNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The spec fields a sweep may vary, and the expansion of a sweep's groups into points.
 *
 * <p>An axis sets one field of the spec's JSON form ({@link TrainingSpecJson}); the point's spec is
 * read back from that JSON, so it is validated exactly as a job's spec is. A field is added to
 * sweeps by one line in {@link #FIELDS}: its axis name, its place in the spec JSON and the type of
 * its values.
 */
public final class SweepAxes {
  /** The type of an axis's values, parsed from text. */
  enum Type {
    /** A finite decimal number. */
    NUMBER,
    /** A 32-bit integer. */
    INTEGER,
    /** An unsigned 64-bit integer (seeds), kept as decimal text as the spec JSON keeps it. */
    UNSIGNED_LONG,
    /** A name, e.g. an objective's kind. */
    NAME
  }

  /**
   * One sweepable field.
   *
   * @param parent the object holding the field in the spec JSON ("" for the top level)
   * @param key the field's key in that object
   */
  record Field(String name, String parent, String key, Type type) {}

  /** Axis name to field; in the order the API documents them. */
  static final Map<String, Field> FIELDS =
      table(
          new Field("mi", "objective", "mi", Type.NUMBER),
          new Field("e1", "objective", "e1", Type.NUMBER),
          new Field("e2", "objective", "e2", Type.NUMBER),
          new Field("alpha", "objective", "alpha", Type.NUMBER),
          new Field("lambda", "objective", "lambda", Type.NUMBER),
          new Field("beta", "objective", "beta", Type.NUMBER),
          new Field("beta_y", "objective", "beta_y", Type.NUMBER),
          new Field("beta_z", "objective", "beta_z", Type.NUMBER),
          new Field("smoothing", "objective", "smoothing", Type.NAME),
          new Field("k", "objective", "k", Type.INTEGER),
          new Field("objective", "objective", "kind", Type.NAME),
          new Field("seed", "", "seed", Type.UNSIGNED_LONG),
          new Field("epochs", "", "epochs", Type.INTEGER),
          new Field("learning_rate", "optimizer", "learning_rate", Type.NUMBER),
          new Field("batch_size", "optimizer", "batch_size", Type.INTEGER));

  private SweepAxes() {}

  /** The names an axis may have. */
  public static Set<String> names() {
    return FIELDS.keySet();
  }

  /**
   * The points of {@code groups}: each group's points in turn, numbered from 0, each the base spec
   * with the point's values, published as {@code <modelName>-<index>}.
   *
   * @throws InvalidSpecException naming the field ({@code groups[g].axes[a].field}, {@code
   *     ...values}, {@code ...values[v]}, {@code model_name}, {@code groups}), the expected and the
   *     actual value
   */
  public static List<SweepPoint> expand(
      TrainingSpec base, String modelName, List<SweepGroup> groups, int maxPoints) {
    if (groups.isEmpty()) {
      throw new InvalidSpecException("groups", "groups: expected at least one group, got none");
    }
    long total = 0;
    for (int g = 0; g < groups.size(); g++) {
      total += checkGroup(base, groups.get(g), "groups[" + g + "]");
    }
    if (total > maxPoints) {
      throw new InvalidSpecException(
          "groups",
          "groups: a sweep may have at most " + maxPoints + " points, these axes give " + total);
    }
    try {
      ModelNames.validate(modelName + "-" + (total - 1));
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException(
          "model_name", "model_name " + modelName + " with a point's suffix: " + e.getMessage());
    }
    List<SweepPoint> points = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      for (Map<String, String> values : combinations(groups.get(g))) {
        int index = points.size();
        TrainingSpec spec;
        try {
          spec = apply(base, values, modelName + "-" + index);
        } catch (IllegalArgumentException e) {
          throw new InvalidSpecException(
              "groups[" + g + "]",
              "groups["
                  + g
                  + "]: point "
                  + index
                  + " "
                  + values
                  + " has an invalid spec: "
                  + e.getMessage());
        }
        points.add(new SweepPoint(index, values, spec, "", ""));
      }
    }
    return points;
  }

  /**
   * The spec {@code base} with {@code values} (axis name to value text) and {@code modelName}.
   *
   * @throws IllegalArgumentException if a name is not an axis, a value is not of its type, the
   *     base's objective lacks the field, or the resulting spec is invalid
   */
  public static TrainingSpec apply(
      TrainingSpec base, Map<String, String> values, String modelName) {
    ObjectNode json = TrainingSpecJson.toNode(base);
    json.put("model_name", modelName);
    for (Map.Entry<String, String> e : values.entrySet()) {
      Field field = FIELDS.get(e.getKey());
      if (field == null) {
        throw new IllegalArgumentException("unknown axis " + e.getKey());
      }
      set(json, field, e.getValue());
    }
    return TrainingSpecJson.fromNode(json);
  }

  /** Checks a group's axes and each value alone; returns its number of points. */
  private static long checkGroup(TrainingSpec base, SweepGroup group, String path) {
    if (group.axes().isEmpty()) {
      throw new InvalidSpecException(
          path + ".axes", path + ".axes: expected at least one axis, got none");
    }
    Set<String> seen = new HashSet<>();
    long points = group.mode() == SweepGroup.Mode.GRID ? 1 : group.axes().get(0).values().size();
    for (int a = 0; a < group.axes().size(); a++) {
      SweepGroup.Axis axis = group.axes().get(a);
      String at = path + ".axes[" + a + "]";
      Field field = FIELDS.get(axis.field());
      if (field == null) {
        throw new InvalidSpecException(
            at + ".field",
            at
                + ".field: expected one of "
                + String.join(", ", FIELDS.keySet())
                + ", got '"
                + axis.field()
                + "'");
      }
      if (!seen.add(axis.field())) {
        throw new InvalidSpecException(
            at + ".field", at + ".field: axis " + axis.field() + " appears twice in the group");
      }
      JsonNode parent = parent(TrainingSpecJson.toNode(base), field);
      if (!parent.has(field.key())) {
        throw new InvalidSpecException(
            at + ".field",
            at
                + ".field: the base spec's objective "
                + base.objective().name()
                + " has no field "
                + axis.field());
      }
      if (axis.values().isEmpty()) {
        throw new InvalidSpecException(
            at + ".values",
            at + ".values: expected at least one value for " + axis.field() + ", got none");
      }
      if (group.mode() == SweepGroup.Mode.GRID) {
        points *= axis.values().size();
      } else if (axis.values().size() != points) {
        throw new InvalidSpecException(
            at + ".values",
            at
                + ".values: zipped axes need equal lengths, expected "
                + points
                + " values for "
                + axis.field()
                + " (as the first axis), got "
                + axis.values().size());
      }
      if (points > Integer.MAX_VALUE) {
        throw new InvalidSpecException(
            path, path + ": expected at most " + Integer.MAX_VALUE + " points, got more");
      }
      for (int v = 0; v < axis.values().size(); v++) {
        String value = axis.values().get(v);
        try {
          apply(base, Map.of(axis.field(), value), "sweep-check");
        } catch (IllegalArgumentException e) {
          throw new InvalidSpecException(
              at + ".values[" + v + "]",
              at
                  + ".values["
                  + v
                  + "]: "
                  + axis.field()
                  + " = '"
                  + value
                  + "' is not accepted: "
                  + e.getMessage());
        }
      }
    }
    return points;
  }

  private static List<Map<String, String>> combinations(SweepGroup group) {
    List<SweepGroup.Axis> axes = group.axes();
    List<Map<String, String>> out = new ArrayList<>();
    if (group.mode() == SweepGroup.Mode.ZIP) {
      for (int j = 0; j < axes.get(0).values().size(); j++) {
        Map<String, String> values = new LinkedHashMap<>();
        for (SweepGroup.Axis axis : axes) {
          values.put(axis.field(), axis.values().get(j));
        }
        out.add(values);
      }
      return out;
    }
    int[] at = new int[axes.size()];
    while (true) {
      Map<String, String> values = new LinkedHashMap<>();
      for (int a = 0; a < axes.size(); a++) {
        values.put(axes.get(a).field(), axes.get(a).values().get(at[a]));
      }
      out.add(values);
      int a = axes.size() - 1;
      while (a >= 0 && ++at[a] == axes.get(a).values().size()) {
        at[a] = 0;
        a--;
      }
      if (a < 0) {
        return out;
      }
    }
  }

  private static JsonNode parent(ObjectNode json, Field field) {
    return field.parent().isEmpty() ? json : json.path(field.parent());
  }

  private static void set(ObjectNode json, Field field, String text) {
    JsonNode parentNode = parent(json, field);
    if (!(parentNode instanceof ObjectNode parent) || !parent.has(field.key())) {
      throw new IllegalArgumentException(
          "the spec's "
              + (field.parent().isEmpty() ? "top level" : field.parent())
              + " has no field "
              + field.key());
    }
    String value = text == null ? "" : text.trim();
    try {
      switch (field.type()) {
        case NUMBER -> {
          double d = Double.parseDouble(value);
          if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("expected a finite number, got " + value);
          }
          parent.put(field.key(), d);
        }
        case INTEGER -> parent.put(field.key(), Integer.parseInt(value));
        case UNSIGNED_LONG ->
            parent.put(field.key(), Long.toUnsignedString(Long.parseUnsignedLong(value)));
        case NAME -> {
          parent.put(field.key(), value);
          if (value.equals("lag_vae") && !parent.has("multiplier_optimizer")) {
            ObjectNode dual = parent.putObject("multiplier_optimizer");
            dual.put("learning_rate", Objective.DualOptimizer.DEFAULT.learningRate());
            dual.put("decay", Objective.DualOptimizer.DEFAULT.decay());
            dual.put("epsilon", Objective.DualOptimizer.DEFAULT.epsilon());
          }
        }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "expected "
              + (field.type() == Type.NUMBER
                  ? "a number"
                  : field.type() == Type.INTEGER
                      ? "a 32-bit integer"
                      : "an unsigned 64-bit integer")
              + ", got '"
              + value
              + "'");
    }
  }

  private static Map<String, Field> table(Field... fields) {
    Map<String, Field> map = new LinkedHashMap<>();
    for (Field f : fields) {
      map.put(f.name(), f);
    }
    return java.util.Collections.unmodifiableMap(map);
  }
}
