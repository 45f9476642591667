package io.latentserve.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The settings of one service, defined once: each setting's flag (if it has one), its environment
 * variable, its default and its meaning. From this one table come the options of {@code serve
 * <service>} with their defaults in {@code --help}, the configuration tables of README.md (a test
 * compares them), the line of effective settings a service prints at startup, and errors that name
 * the flag when a value came from a flag and the variable when it came from the environment.
 *
 * <p>The service's own {@code fromEnvironment} stays the one parser: a flag is applied by writing
 * its value over its variable.
 *
 * @param <C> the service's config record
 */
final class ServiceSettings<C> {
  /**
   * One setting.
   *
   * @param flag the {@code serve} option, or null where only the environment sets it
   * @param label the option's parameter label, e.g. {@code <duration>}
   * @param env the environment variable the service reads
   * @param value the setting's value in a config, as printed (durations {@code 5s}, sizes {@code
   *     64MiB})
   * @param defaultText how the default reads where the value of {@link #defaults} would not say it
   *     (e.g. an empty host), else null
   * @param meaning one line for {@code --help} and README.md
   */
  record Setting<C>(
      String flag,
      String label,
      String env,
      Function<C, Object> value,
      String defaultText,
      String meaning) {
    /** The name a user set it by: the flag if it has one, else the variable. */
    String name() {
      return flag != null ? flag : env;
    }
  }

  private final String service;
  private final Function<Map<String, String>, C> fromEnvironment;
  private final C defaults;
  private final List<Setting<C>> settings = new ArrayList<>();

  /**
   * @param service the service's name, e.g. {@code inference-service}
   * @param fromEnvironment the service's parser of its {@code LATENTSERVE_*} variables
   */
  ServiceSettings(String service, Function<Map<String, String>, C> fromEnvironment) {
    this.service = service;
    this.fromEnvironment = fromEnvironment;
    this.defaults = fromEnvironment.apply(Map.of());
  }

  /** Adds a setting that has a {@code serve} flag. */
  ServiceSettings<C> flag(
      String flag, String label, String env, Function<C, Object> value, String meaning) {
    return flag(flag, label, env, value, null, meaning);
  }

  /** Adds a setting with a flag whose default needs words rather than a value. */
  ServiceSettings<C> flag(
      String flag,
      String label,
      String env,
      Function<C, Object> value,
      String defaultText,
      String meaning) {
    settings.add(new Setting<>(flag, label, env, value, defaultText, meaning));
    return this;
  }

  /** Adds a setting that only the environment sets. */
  ServiceSettings<C> env(String env, Function<C, Object> value, String meaning) {
    settings.add(new Setting<>(null, null, env, value, null, meaning));
    return this;
  }

  String service() {
    return service;
  }

  List<Setting<C>> settings() {
    return List.copyOf(settings);
  }

  /** How the default of {@code s} reads in {@code --help} and README.md. */
  String defaultText(Setting<C> s) {
    return s.defaultText() != null ? s.defaultText() : text(s.value().apply(defaults));
  }

  /** Adds an option to {@code spec} for every setting that has a flag. */
  void addOptions(CommandSpec spec) {
    for (Setting<C> s : settings) {
      if (s.flag() != null) {
        spec.addOption(
            OptionSpec.builder(s.flag())
                .paramLabel(s.label())
                .type(String.class)
                .description(
                    (s.meaning() + " (env " + s.env() + "; default: " + defaultText(s) + ").")
                        .replace("`", ""))
                .build());
      }
    }
  }

  /**
   * The config from {@code environment} with the flags matched in {@code parsed} written over it.
   *
   * @throws CliException naming the flag or the variable of the first invalid value
   */
  C config(ParseResult parsed, Map<String, String> environment) {
    Map<String, String> env = new HashMap<>(environment);
    Set<String> fromFlags = new java.util.HashSet<>();
    for (Setting<C> s : settings) {
      if (s.flag() != null && parsed.hasMatchedOption(s.flag())) {
        env.put(s.env(), parsed.matchedOptionValue(s.flag(), ""));
        fromFlags.add(s.env());
      }
    }
    try {
      return fromEnvironment.apply(env);
    } catch (IllegalArgumentException e) {
      throw new CliException(explain(e, env, fromFlags), e);
    }
  }

  /**
   * The error as the user set the value: {@code --max-k must be > 0, got -1} for a flag, {@code
   * LATENTSERVE_MAX_K must be > 0, got -1} for the variable, never the config's field name. The
   * setting at fault is the one that fails on its own.
   */
  private String explain(IllegalArgumentException e, Map<String, String> env, Set<String> flags) {
    // A value that does not parse is the fault before a combination that fails ("--tls-cert needs
    // a key" is wrong when the key was given but names no file).
    for (Setting<C> s : settings) {
      String value = env.get(s.env());
      if (value != null && !value.isBlank()) {
        try {
          fromEnvironment.apply(Map.of(s.env(), value));
        } catch (IllegalArgumentException alone) {
          String notValid = s.env() + "=\"" + value + "\" is not valid: ";
          if (alone.getMessage().startsWith(notValid)) {
            return (flags.contains(s.env()) ? s.flag() : s.env())
                + " \""
                + value.trim()
                + "\" is not valid: "
                + alone.getMessage().substring(notValid.length());
          }
        }
      }
    }
    for (Setting<C> s : settings) {
      String value = env.get(s.env());
      if (value == null || value.isBlank()) {
        continue;
      }
      String reason;
      try {
        fromEnvironment.apply(Map.of(s.env(), value));
        continue;
      } catch (IllegalArgumentException alone) {
        reason = alone.getMessage();
      }
      String name = flags.contains(s.env()) ? s.flag() : s.env();
      String notValid = s.env() + "=\"" + value + "\" is not valid: ";
      if (reason.startsWith(notValid)) {
        return name
            + " \""
            + value.trim()
            + "\" is not valid: "
            + reason.substring(notValid.length());
      }
      reason = reason.replaceFirst("^invalid configuration \\(flags or environment\\): ", "");
      // The record names its field ("maxK must be > 0"): the user knows the flag or the variable.
      return name + " " + reason.replaceFirst("^[a-z][A-Za-z0-9]*\\s+", "");
    }
    return e.getMessage();
  }

  /**
   * One line of every effective setting, by the name the user sets it with.
   *
   * @return e.g. {@code inference-service settings: --port=50051, --max-k=5000, ...}
   */
  String effective(C config) {
    return service
        + " settings: "
        + settings.stream()
            .map(s -> s.name() + "=" + effectiveText(s, config))
            .collect(Collectors.joining(", "));
  }

  private String effectiveText(Setting<C> s, C config) {
    String text = text(s.value().apply(config));
    return text.isEmpty() && s.defaultText() != null ? s.defaultText() : text;
  }

  /**
   * Turns a failure to bind into one line naming the port and its flag: {@code port 9464
   * (--metrics-port) is already in use}; other failures are returned as they are.
   */
  Exception explainBind(Exception e, C config, ParseResult parsed) {
    if (!portInUse(e)) {
      return e;
    }
    for (Setting<C> s : settings) {
      if (s.flag() != null
          && (s.flag().equals("--port") || s.flag().equals("--metrics-port"))
          && s.value().apply(config) instanceof Integer port
          && port != 0
          && !free(port)) {
        String name =
            parsed.hasMatchedOption(s.flag()) || System.getenv(s.env()) == null
                ? s.flag()
                : s.env();
        return new CliException("port " + port + " (" + name + ") is already in use", e);
      }
    }
    return new CliException("cannot bind a port: " + e.getMessage(), e);
  }

  /** A JDK bind failure, or Netty's native one (an IOException saying "Address already in use"). */
  private static boolean portInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The settings as README.md's configuration table of this service, in Markdown.
   *
   * @return the header and one row per setting
   */
  String markdownTable() {
    StringBuilder table = new StringBuilder("| flag | environment | default | meaning |\n");
    table.append("| --- | --- | --- | --- |\n");
    for (Setting<C> s : settings) {
      table
          .append("| ")
          .append(s.flag() == null ? "" : "`" + s.flag() + "`")
          .append(" | `")
          .append(s.env())
          .append("` | ")
          .append(s.defaultText() != null ? s.defaultText() : "`" + defaultText(s) + "`")
          .append(" | ")
          .append(s.meaning().replace("|", "\\|"))
          .append(" |\n");
    }
    return table.toString();
  }

  /** A value as a user writes it: durations {@code 5s}, {@code 250ms}; paths as given. */
  static String text(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Duration d) {
      long ms = d.toMillis();
      if (ms != 0 && ms % 3_600_000 == 0) {
        return ms / 3_600_000 + "h";
      } else if (ms != 0 && ms % 60_000 == 0) {
        return ms / 60_000 + "m";
      } else if (ms % 1000 == 0) {
        return ms / 1000 + "s";
      }
      return ms + "ms";
    }
    if (value instanceof Path p) {
      return p.toString();
    }
    return String.valueOf(value);
  }

  /** A byte count as a user writes it: {@code 64MiB}, {@code 4GiB}. */
  static String bytes(long n) {
    if (n % (1L << 30) == 0 && n != 0) {
      return (n >> 30) + "GiB";
    } else if (n % (1L << 20) == 0 && n != 0) {
      return (n >> 20) + "MiB";
    } else if (n % (1L << 10) == 0 && n != 0) {
      return (n >> 10) + "KiB";
    }
    return Long.toString(n);
  }
}
