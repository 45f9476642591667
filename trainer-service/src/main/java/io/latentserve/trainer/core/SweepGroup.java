package io.latentserve.trainer.core;

import java.util.List;
import java.util.Objects;

/**
 * A set of sweep points: axes over spec fields combined by a {@link Mode}.
 *
 * @param axes at least one; checked against the spec by {@link SweepAxes#expand}
 */
public record SweepGroup(List<Axis> axes, Mode mode) {
  public SweepGroup {
    axes = List.copyOf(axes);
    Objects.requireNonNull(mode, "mode");
  }

  /** How the axes combine. */
  public enum Mode {
    /** The cartesian product, the last axis varying fastest. */
    GRID,
    /** Side by side: point j takes the j-th value of every axis (all of one length). */
    ZIP
  }

  /**
   * One axis: a spec field by its {@link SweepAxes} name and its values as text.
   *
   * @param values in the order the points take them
   */
  public record Axis(String field, List<String> values) {
    public Axis {
      Objects.requireNonNull(field, "field");
      values = List.copyOf(values);
    }
  }
}
