package io.latentserve.cli;

import io.latentserve.model.LatentserveVersion;
import io.latentserve.server.EnvironmentSettings;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/latentserve}. */
@Command(
    name = "latentserve",
    mixinStandardHelpOptions = true,
    versionProvider = LatentserveCli.Version.class,
    description = "Train, serve and evaluate variational autoencoders.",
    subcommands = {
      QuickstartCommand.class,
      ServeCommand.class,
      BundleCommand.class,
      ModelsCommand.class,
      EvalCommand.class,
      TrainCommand.class,
      SweepCommand.class,
      TrainWorkerCommand.class,
      JobsCommand.class,
      DataCommand.class,
      CommandLine.HelpCommand.class
    })
public final class LatentserveCli {

  public static void main(String[] args) {
    if (args.length == 0 || !args[0].equals("serve")) {
      // Client commands print their own progress; library INFO lines would only interleave with it.
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, for tests and for embedding. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new LatentserveCli());
    ServeCommand.addServices(cli.getSubcommands().get("serve"));
    withVersion(cli);
    // One duration syntax everywhere: the services' (250ms, 30s, 2m, 1h or ISO-8601).
    cli.registerConverter(Duration.class, EnvironmentSettings::parseDuration);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(new ErrorHandler());
    return cli;
  }

  /** Every command answers {@code -V/--version} with the launcher's version. */
  private static void withVersion(CommandLine cli) {
    if (cli.getCommandSpec().versionProvider() == null) {
      cli.getCommandSpec().versionProvider(new Version());
    }
    cli.getSubcommands().values().forEach(LatentserveCli::withVersion);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"latentserve " + LatentserveVersion.get()};
    }
  }

  /** Prints the message of an expected failure without a stack trace; bugs keep theirs. */
  static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
      if (e instanceof CliException || e instanceof IllegalArgumentException) {
        cli.getErr().println("latentserve: " + e.getMessage());
        return 2;
      }
      if (e instanceof io.grpc.StatusRuntimeException s) {
        cli.getErr()
            .println(
                "latentserve: " + s.getStatus().getCode() + ": " + s.getStatus().getDescription());
        return 3;
      }
      throw new IllegalStateException(e);
    }
  }
}
