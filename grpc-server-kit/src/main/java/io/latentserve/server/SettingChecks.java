package io.latentserve.server;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The checks a service's config record makes in its compact constructor, each failing with a
 * message naming the setting, the rule and the value: {@code maxK must be > 0, got 0}.
 */
public final class SettingChecks {
  /** A DNS name or dotted IPv4 address: labels of letters, digits and inner hyphens. */
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
              + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

  /** An IPv6 literal, unbracketed; whether it is a valid one is for the resolver to say. */
  private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*");

  private SettingChecks() {}

  /**
   * An address to bind: empty for every interface, else an IP address or a host name. Only the form
   * is checked here, without a lookup; a name that does not resolve fails when the server is
   * created.
   *
   * @return {@code host}
   * @throws NullPointerException naming the setting if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is neither empty, an IP address nor a host
   *     name (e.g. {@code "inference:50051"}: the port has its own setting)
   */
  public static String checkHost(String name, String host) {
    Objects.requireNonNull(host, name);
    if (!host.isEmpty()
        && !HOST_NAME.matcher(host).matches()
        && !IPV6_LITERAL.matcher(host).matches()) {
      throw new IllegalArgumentException(
          name
              + " must be an IP address or a host name (empty for every interface), got \""
              + host
              + "\"");
    }
    return host;
  }

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
   * A count or size that must be at least 1 and may pass {@code int}.
   *
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value <= 0}
   */
  public static long checkPositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
    return value;
  }

  /**
   * A duration that must be longer than zero (a timeout or a wait).
   *
   * @return {@code value}
   * @throws NullPointerException naming the setting if {@code value} is null
   * @throws IllegalArgumentException if zero or negative
   */
  public static Duration checkPositive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
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
