package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code latentserve serve <service>}: its flags, and the settings it refuses before binding. */
class ServeCommandTest {
  /** Long enough for a refusal; a service that started instead would hold the test forever. */
  private static final Duration REFUSAL = Duration.ofSeconds(30);

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int serve(String... args) {
    CommandLine cli = LatentserveCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "serve";
    System.arraycopy(args, 0, all, 1, args.length);
    return assertTimeoutPreemptively(REFUSAL, () -> cli.execute(all));
  }

  @ParameterizedTest
  @ValueSource(strings = {"inference", "trainer", "evaluator"})
  void help_everyService_documentsHost(String service) {
    assertThat(serve(service, "--help")).isZero();

    // picocli wraps the descriptions at 80 columns
    assertThat(out.toString().replaceAll("\\s+", " "))
        .contains("--host=<host>")
        .contains("env LATENTSERVE_HOST")
        .contains("default: every interface");
  }

  @ParameterizedTest
  @ValueSource(strings = {"inference", "trainer", "evaluator"})
  void serve_hostWithPort_exitsNamingTheSettingAndValue(String service) {
    int exitCode =
        serve(service, "--host", "localhost:50051", "--port", "0", "--metrics-port", "0");

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString())
        .contains("host must be an IP address or a host name")
        .contains("\"localhost:50051\"");
  }

  @Test
  void serveInference_unresolvableHost_exitsNamingTheHost() {
    int exitCode =
        serve("inference", "--host", "no-such-host.invalid", "--port", "0", "--metrics-port", "0");

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString())
        .contains("host \"no-such-host.invalid\" does not resolve to an address");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--port", "--metrics-port"})
  void serveInference_portInUse_oneLineNamingThePortAndItsFlag(String busy) throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
      String port = Integer.toString(taken.getLocalPort());
      String other = busy.equals("--port") ? "--metrics-port" : "--port";
      java.nio.file.Files.createDirectories(dir.resolve("models"));

      int exitCode =
          serve(
              "inference",
              busy,
              port,
              other,
              "0",
              "--model-repository",
              dir.resolve("models").toString());

      assertThat(exitCode).as(err.toString()).isEqualTo(2);
      assertThat(err.toString())
          .isEqualTo("latentserve: port " + port + " (" + busy + ") is already in use\n");
      // The effective settings come first, one line.
      assertThat(out.toString())
          .startsWith("inference-service settings: --host=every interface, --port=")
          .contains(", --max-k=5000, ")
          .contains("LATENTSERVE_SHUTDOWN_GRACE=20s");
    }
  }

  @Test
  void ensureRepository_missingFolder_createsItAndWarns() throws Exception {
    java.nio.file.Path repository = dir.resolve("nosuchdir");
    StringWriter warning = new StringWriter();

    ServeCommand.ensureRepository(repository, new PrintWriter(warning, true));

    assertThat(repository).isDirectory();
    assertThat(warning.toString())
        .startsWith("latentserve: warning: model repository " + repository.toAbsolutePath())
        .contains("did not exist; created it empty");
  }

  @Test
  void serveEvaluator_callDeadlineWithoutUnit_namesTheFlag() {
    int exitCode = serve("evaluator", "--call-deadline", "5", "--port", "0", "--metrics-port", "0");

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "latentserve: --call-deadline \"5\" is not valid: expected a duration like 250ms, 5s,"
                + " 2m or PT5S\n");
  }
}
