package io.latentserve.server;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of a service's settings from environment variables, into the builder of its config
 * record. A variable that is absent or blank leaves the builder's default; a value is trimmed, then
 * parsed, and a value that cannot be parsed fails with a message naming the variable and the value:
 * {@code LATENTSERVE_PORT="abc" is not valid: expected an integer}.
 *
 * <pre>{@code
 * TrainerConfig.Builder b = TrainerConfig.builder();
 * return EnvironmentSettings.of(System.getenv())
 *     .readInt(ENV_PORT, b::port)
 *     .readDuration(ENV_SHUTDOWN_GRACE, b::shutdownGrace)
 *     .build(b::build);
 * }</pre>
 *
 * <p>Formats: integers in decimal; booleans {@code true|false|1|0|yes|no|on|off} in any case;
 * durations {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT0.5S}); byte
 * sizes a number of bytes, optionally suffixed {@code KiB}, {@code MiB} or {@code GiB}. The map is
 * passed in, never read from {@link System#getenv()} here, so that tests and flags can supply it.
 */
public final class EnvironmentSettings {
  private static final Pattern SIMPLE_DURATION =
      Pattern.compile("([0-9]+)(ms|s|m|h)", Pattern.CASE_INSENSITIVE);
  private static final Pattern BYTE_SIZE =
      Pattern.compile("([0-9]+)\\s*(|b|kib|mib|gib|tib)", Pattern.CASE_INSENSITIVE);

  private final Map<String, String> env;

  private EnvironmentSettings(Map<String, String> env) {
    this.env = env;
  }

  /**
   * Settings read from {@code env}.
   *
   * @param env variables by name, e.g. {@code System.getenv()}; read, never changed
   */
  public static EnvironmentSettings of(Map<String, String> env) {
    return new EnvironmentSettings(Objects.requireNonNull(env, "env"));
  }

  /**
   * Parses variable {@code name}, if present and not blank, and hands the value to {@code setter}.
   *
   * @param parser turns the trimmed text into a value; throws a {@link RuntimeException} saying
   *     what was expected when it cannot
   * @return this
   * @throws IllegalArgumentException {@code NAME="value" is not valid: <reason>}
   */
  public <T> EnvironmentSettings read(
      String name, Function<String, ? extends T> parser, Consumer<? super T> setter) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return this;
    }
    T value;
    try {
      value = parser.apply(raw.trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          name + "=\"" + raw + "\" is not valid: " + e.getMessage(), e);
    }
    setter.accept(value);
    return this;
  }

  /** {@link #read} with {@link #parseInt}. */
  public EnvironmentSettings readInt(String name, IntConsumer setter) {
    return read(name, EnvironmentSettings::parseInt, setter::accept);
  }

  /** {@link #read} with {@link #parseBoolean}. */
  public EnvironmentSettings readBoolean(String name, Consumer<Boolean> setter) {
    return read(name, EnvironmentSettings::parseBoolean, setter);
  }

  /** {@link #read} with {@link #parseDuration}. */
  public EnvironmentSettings readDuration(String name, Consumer<Duration> setter) {
    return read(name, EnvironmentSettings::parseDuration, setter);
  }

  /** {@link #read} with {@link #parseBytes}: a size in bytes. */
  public EnvironmentSettings readBytes(String name, IntConsumer setter) {
    return read(name, EnvironmentSettings::parseBytes, setter::accept);
  }

  /** {@link #read} with {@link #parseLongBytes}: a size in bytes that may pass 2 GiB. */
  public EnvironmentSettings readLongBytes(String name, LongConsumer setter) {
    return read(name, EnvironmentSettings::parseLongBytes, setter::accept);
  }

  /** {@link #read} with {@link Path#of}. */
  public EnvironmentSettings readPath(String name, Consumer<Path> setter) {
    return read(name, Path::of, setter);
  }

  /** {@link #read} of the trimmed text. */
  public EnvironmentSettings readString(String name, Consumer<String> setter) {
    return read(name, Function.identity(), setter);
  }

  /**
   * Builds the config from what was read; a config that rejects a value fails with a message that
   * says the setting came from a flag or the environment (the CLI's flags reach the config as
   * environment entries).
   *
   * @param build the builder's {@code build}, which validates
   * @throws IllegalArgumentException {@code invalid configuration (flags or environment): <reason>}
   */
  public <C> C build(Supplier<C> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid configuration (flags or environment): " + e.getMessage(), e);
    }
  }

  /**
   * Parses a decimal {@code int}.
   *
   * @throws IllegalArgumentException "expected an integer"
   */
  public static int parseInt(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected an integer", e);
    }
  }

  /**
   * Parses {@code true}, {@code 1}, {@code yes}, {@code on} and {@code false}, {@code 0}, {@code
   * no}, {@code off}, in any case.
   *
   * @throws IllegalArgumentException "expected true or false"
   */
  public static boolean parseBoolean(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw new IllegalArgumentException("expected true or false");
    };
  }

  /**
   * Parses {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or an ISO-8601 duration.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static Duration parseDuration(String s) {
    Matcher m = SIMPLE_DURATION.matcher(s);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    }
    try {
      return Duration.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("expected a duration like 250ms, 5s, 2m or PT5S", e);
    }
  }

  /**
   * Parses a byte count, optionally suffixed {@code KiB}, {@code MiB} or {@code GiB} (powers of
   * 1024).
   *
   * @return bytes, at most {@link Integer#MAX_VALUE}
   * @throws IllegalArgumentException if malformed or too large
   */
  public static int parseBytes(String s) {
    long bytes = parseLongBytes(s);
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("byte size exceeds " + Integer.MAX_VALUE);
    }
    return (int) bytes;
  }

  /**
   * A byte size that may pass 2 GiB (a memory budget): bytes, or a number suffixed {@code KiB},
   * {@code MiB}, {@code GiB} or {@code TiB} (powers of 1024).
   *
   * @throws IllegalArgumentException if malformed or beyond a {@code long}
   */
  public static long parseLongBytes(String s) {
    Matcher m = BYTE_SIZE.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("expected a byte size like 67108864, 64MiB or 4GiB");
    }
    long unit =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "kib" -> 1L << 10;
          case "mib" -> 1L << 20;
          case "gib" -> 1L << 30;
          case "tib" -> 1L << 40;
          default -> 1L;
        };
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("byte size exceeds " + Long.MAX_VALUE, e);
    }
  }
}
