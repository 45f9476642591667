package io.latentserve.trainer.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A sweep as stored: its definition and, per point, the job that trains it. The points' states are
 * their jobs' ({@link SweepView}).
 *
 * @param modelName point i publishes {@code <modelName>-<i>}
 * @param base the spec every point starts from
 * @param points every point, in index order
 * @param cancelled whether CancelSweep was asked: no more points are submitted
 * @param submittedBy the caller's subject, or ""
 */
public record Sweep(
    String id,
    String modelName,
    TrainingSpec base,
    List<SweepGroup> groups,
    List<SweepPoint> points,
    boolean cancelled,
    Instant created,
    Instant updated,
    String submittedBy) {
  public Sweep {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(base, "base");
    groups = List.copyOf(groups);
    points = List.copyOf(points);
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(updated, "updated");
    submittedBy = submittedBy == null ? "" : submittedBy;
    for (int i = 0; i < points.size(); i++) {
      if (points.get(i).index() != i) {
        throw new IllegalArgumentException(
            "point " + i + " has index " + points.get(i).index() + ", expected " + i);
      }
    }
  }

  Sweep withPoint(SweepPoint point, Instant now) {
    List<SweepPoint> copy = new ArrayList<>(points);
    copy.set(point.index(), point);
    return new Sweep(id, modelName, base, groups, copy, cancelled, created, now, submittedBy);
  }

  Sweep withCancelled(Instant now) {
    return new Sweep(id, modelName, base, groups, points, true, created, now, submittedBy);
  }
}
