package io.latentserve.bundle;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sweep a bundle was trained for: the sweep's id, the point's index and the point's value of
 * each axis (by spec field name, e.g. {@code {"mi": "1", "e1": "86"}}, in axis order).
 */
public record SweepOrigin(String sweepId, int index, Map<String, String> values) {
  public SweepOrigin {
    if (sweepId == null || sweepId.isEmpty()) {
      throw new IllegalArgumentException("sweepId is required");
    }
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, got " + index);
    }
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }
}
