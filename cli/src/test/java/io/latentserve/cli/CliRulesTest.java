package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Rules every command keeps, checked by walking picocli's model of the whole command tree, so that
 * a command or option added later is held to them too.
 */
class CliRulesTest {

  /** Every command and subcommand, by its path from the root, e.g. {@code [serve, inference]}. */
  static Stream<List<String>> commands() {
    List<List<String>> all = new ArrayList<>();
    walk(LatentserveCli.commandLine(), new ArrayList<>(), all);
    return all.stream();
  }

  private static void walk(CommandLine cli, List<String> path, List<List<String>> all) {
    all.add(List.copyOf(path));
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (!sub.getCommandSpec().name().equals(name)) {
                return; // an alias
              }
              path.add(name);
              walk(sub, path, all);
              path.remove(path.size() - 1);
            });
  }

  private static CommandLine command(List<String> path) {
    CommandLine cli = LatentserveCli.commandLine();
    for (String name : path) {
      cli = cli.getSubcommands().get(name);
    }
    return cli;
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(List<String> path, String... args) {
    CommandLine cli = LatentserveCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(path);
    all.addAll(List.of(args));
    int exitCode = cli.execute(all.toArray(String[]::new));
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static boolean isHelpCommand(List<String> path) {
    return !path.isEmpty() && path.get(path.size() - 1).equals("help");
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommand_dashH_printsUsageAndExitsZero(List<String> path) {
    for (String help : List.of("-h", "--help")) {
      Run run = run(path, help);

      assertThat(run.exitCode()).as("%s %s: %s", path, help, run.err()).isZero();
      assertThat(run.out()).as("%s %s", path, help).contains("Usage:");
    }
  }

  @ParameterizedTest
  @MethodSource("commands")
  void everyCommand_dashV_printsTheVersionAndExitsZero(List<String> path) {
    if (isHelpCommand(path)) {
      return; // `help` takes a command name, not options of its own
    }
    for (String version : List.of("-V", "--version")) {
      Run run = run(path, version);

      assertThat(run.exitCode()).as("%s %s: %s", path, version, run.err()).isZero();
      assertThat(run.out()).as("%s %s", path, version).startsWith("latentserve ");
    }
  }

  /**
   * An option either must be given, is a switch, or says in {@code --help} what it is when not
   * given: a default, or the choice that requires it.
   */
  @ParameterizedTest
  @MethodSource("commands")
  void everyOption_help_showsItsDefault(List<String> path) {
    for (OptionSpec option : command(path).getCommandSpec().options()) {
      if (option.required()
          || option.usageHelp()
          || option.versionHelp()
          || option.arity().max() == 0) {
        continue;
      }
      String description =
          String.join(" ", option.description())
              .replace("${DEFAULT-VALUE}", String.valueOf(option.defaultValue()));
      assertThat(description.toLowerCase(Locale.ROOT))
          .as("%s %s: %s", path, option.longestName(), description)
          .containsAnyOf("default", "required with");
      assertThat(description).as("%s %s", path, option.longestName()).doesNotContain("null");
    }
  }

  /** Client and server durations read alike: {@code 30s} wherever a duration is taken. */
  @ParameterizedTest
  @MethodSource("commands")
  void everyDurationOption_acceptsTheServicesSyntax(List<String> path) {
    for (OptionSpec option : command(path).getCommandSpec().options()) {
      if (option.type() == Duration.class) {
        CommandLine cli = LatentserveCli.commandLine();
        List<String> required = new ArrayList<>();
        for (OptionSpec other : command(path).getCommandSpec().options()) {
          if (other.required()) {
            required.add(other.longestName());
            required.add("x");
          }
        }
        List<String> args = new ArrayList<>(path);
        args.addAll(required);
        args.add(option.longestName());
        args.add("30s");
        var parsed = cli.parseArgs(args.toArray(String[]::new));
        while (parsed.hasSubcommand()) {
          parsed = parsed.subcommand();
        }
        assertThat(parsed.matchedOptionValue(option.longestName(), Duration.ZERO))
            .as("%s %s", path, option.longestName())
            .isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(
                () -> {
                  List<String> bad = new ArrayList<>(path);
                  bad.addAll(required);
                  bad.add(option.longestName());
                  bad.add("30 parsecs");
                  cli.parseArgs(bad.toArray(String[]::new));
                })
            .hasMessageContaining(option.longestName())
            .hasMessageContaining("250ms");
      }
    }
  }
}
