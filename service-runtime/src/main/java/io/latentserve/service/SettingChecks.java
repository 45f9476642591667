package io.latentserve.service;

import java.time.Duration;
import java.util.Objects;

/**
 * The checks a service's config record makes in its compact constructor, each failing with a
 * message naming the setting, the rule and the value: {@code maxK must be > 0, got 0}.
 */
public final class SettingChecks {
  private SettingChecks() {}

  /**
   * A TCP port, 0 meaning a free one.
   *
   * @return {@code port}
   * @throws IllegalArgumentException unless in [0, 65535]
   */
  public static int checkPort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + " must be in [0, 65535], got " + port);
    }
    return port;
  }

  /**
   * A count that must be at least 1.
   *
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value <= 0}
   */
  public static int checkPositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
    return value;
  }

  /**
   * A duration that may be zero but not negative.
   *
   * @return {@code value}
   * @throws NullPointerException naming the setting if {@code value} is null
   * @throws IllegalArgumentException if negative
   */
  public static Duration checkNonNegative(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
    return value;
  }
}
