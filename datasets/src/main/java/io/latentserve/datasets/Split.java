package io.latentserve.datasets;

import java.util.Locale;

/** The two splits every catalogued data set has. */
public enum Split {
  TRAIN,
  TEST;

  /** The lower-case name used on the command line and in the API: "train" or "test". */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses "train" or "test" (case-insensitive).
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static Split parse(String value) {
    if (value != null) {
      for (Split s : values()) {
        if (s.id().equalsIgnoreCase(value.strip())) {
          return s;
        }
      }
    }
    throw new IllegalArgumentException("unknown split '" + value + "', expected train or test");
  }

  @Override
  public String toString() {
    return id();
  }
}
