package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The settings of {@code serve <service>}, walked setting by setting: errors name what the user
 * typed, the flag or the variable, never a config field; and README.md's configuration tables are
 * the tables these definitions make.
 */
class ServeSettingsTest {
  /** Values at least one of which each non-path setting refuses. */
  private static final List<String> INVALID = List.of("-1", "abc", "5", "64XB", "a:b:c", "0");

  static Stream<ServiceSettings<?>> services() {
    return ServeCommand.all().stream();
  }

  private static String command(ServiceSettings<?> settings) {
    return settings.service().replace("-service", "");
  }

  private static ParseResult parse(ServiceSettings<?> settings, String... flags) {
    List<String> args = new ArrayList<>(List.of("serve", command(settings)));
    args.addAll(List.of(flags));
    return LatentserveCli.commandLine()
        .parseArgs(args.toArray(String[]::new))
        .subcommand()
        .subcommand();
  }

  @ParameterizedTest
  @MethodSource("services")
  void invalidFlag_everySetting_errorNamesTheFlagNeverTheVariableOrField(
      ServiceSettings<?> settings) {
    for (var s : settings.settings()) {
      if (s.flag() == null || s.label().equals("<dir>")) {
        continue; // any text is a path
      }
      boolean refused = false;
      for (String value : INVALID) {
        ParseResult parsed = parse(settings, s.flag(), value);
        try {
          settings.config(parsed, Map.of());
        } catch (CliException e) {
          refused = true;
          assertThat(e.getMessage())
              .as("%s %s %s", settings.service(), s.flag(), value)
              .startsWith(s.flag() + " ")
              .doesNotContain("LATENTSERVE_")
              .doesNotContainPattern("\\b[a-z]+[A-Z][A-Za-z]* must\\b");
        }
      }
      assertThat(refused)
          .as("%s %s refuses one of %s", settings.service(), s.flag(), INVALID)
          .isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("services")
  void invalidVariable_everySetting_errorNamesTheVariable(ServiceSettings<?> settings) {
    ParseResult noFlags = parse(settings);
    for (var s : settings.settings()) {
      for (String value : INVALID) {
        try {
          settings.config(noFlags, Map.of(s.env(), value));
        } catch (CliException e) {
          assertThat(e.getMessage())
              .as("%s %s=%s", settings.service(), s.env(), value)
              .startsWith(s.env() + " ")
              .doesNotContainPattern("\\b[a-z]+[A-Z][A-Za-z]* must\\b");
        }
      }
    }
  }

  @org.junit.jupiter.api.Test
  void maxQueueDelayFlag_bareNumber_namesTheFlagAndTheValue() {
    assertThatThrownBy(
            () ->
                ServeCommand.INFERENCE.config(
                    parse(ServeCommand.INFERENCE, "--max-queue-delay", "5"), Map.of()))
        .hasMessage(
            "--max-queue-delay \"5\" is not valid: expected a duration like 250ms, 5s, 2m or PT5S");
    assertThatThrownBy(
            () ->
                ServeCommand.INFERENCE.config(
                    parse(ServeCommand.INFERENCE, "--max-k", "-1"), Map.of()))
        .hasMessage("--max-k must be > 0, got -1");
  }

  /** Every variable a service's parser reads is one of its settings, and each setting is read. */
  @ParameterizedTest
  @MethodSource("services")
  void settings_areExactlyTheVariablesTheServiceReads(ServiceSettings<?> settings) {
    Set<String> read = new HashSet<>();
    Map<String, String> recording =
        new AbstractMap<>() {
          @Override
          public String get(Object key) {
            read.add((String) key);
            return null;
          }

          @Override
          public Set<Entry<String, String>> entrySet() {
            return Set.of();
          }
        };
    settingsParser(settings).apply(recording);

    assertThat(settings.settings().stream().map(ServiceSettings.Setting::env))
        .containsExactlyInAnyOrderElementsOf(read);
  }

  private static Function<Map<String, String>, ?> settingsParser(ServiceSettings<?> settings) {
    return switch (settings.service()) {
      case "inference-service" -> io.latentserve.inference.app.InferenceConfig::fromEnvironment;
      case "trainer-service" -> io.latentserve.trainer.app.TrainerConfig::fromEnvironment;
      default -> io.latentserve.evaluator.app.EvaluatorConfig::fromEnvironment;
    };
  }

  /** README.md's table of each service is the one its settings make. */
  @ParameterizedTest
  @MethodSource("services")
  void readme_configurationTable_matchesTheSettings(ServiceSettings<?> settings)
      throws IOException {
    String readme = Files.readString(readme());
    String tag = "<!-- settings:" + settings.service() + " -->";
    Matcher m =
        Pattern.compile(Pattern.quote(tag) + "\\n(.*?)<!-- /settings -->", Pattern.DOTALL)
            .matcher(readme);

    // The expected table, for pasting into README.md when a setting changes.
    Path expected = Path.of("target", "readme-settings-" + settings.service() + ".md");
    Files.createDirectories(expected.getParent());
    Files.writeString(expected, settings.markdownTable());
    assertThat(m.find())
        .as("README.md has a table between %s and <!-- /settings -->", tag)
        .isTrue();
    assertThat(m.group(1))
        .as("README.md's table of %s (the expected one is in cli/%s)", settings.service(), expected)
        .isEqualTo(settings.markdownTable());
  }

  /** {@code --help} shows each flag's default and variable, as README.md does. */
  @ParameterizedTest
  @MethodSource("services")
  void help_everyFlag_showsItsDefaultAndVariable(ServiceSettings<?> settings) {
    assertHelpShowsDefaults(settings);
  }

  private static <C> void assertHelpShowsDefaults(ServiceSettings<C> settings) {
    CommandLine service =
        LatentserveCli.commandLine()
            .getSubcommands()
            .get("serve")
            .getSubcommands()
            .get(command(settings));
    // picocli wraps lines anywhere, even inside "localhost:50051"
    String help = service.getUsageMessage().replaceAll("\\s+", "");
    for (ServiceSettings.Setting<C> s : settings.settings()) {
      if (s.flag() != null) {
        assertThat(help)
            .contains(s.flag() + "=" + s.label())
            .contains(
                ("env " + s.env() + "; default: " + settings.defaultText(s) + ")")
                    .replaceAll("[\\s`]+", ""));
      }
    }
  }

  static Path readme() {
    Path dir = Path.of("").toAbsolutePath();
    while (!Files.exists(dir.resolve("README.md")) || !Files.exists(dir.resolve("cli"))) {
      dir = dir.getParent();
    }
    return dir.resolve("README.md");
  }
}
