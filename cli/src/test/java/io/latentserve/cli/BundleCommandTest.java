package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.bundle.BundleReader;
import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.Manifest;
import io.latentserve.bundle.TensorSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BundleCommandTest {
  @TempDir Path repository;

  private String run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = LatentserveCli.commandLine();
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute(bundle(args))).as("exit code of %s", String.join(" ", args)).isZero();
    return out.toString();
  }

  /** {@code bundle ARGS...}, as the user types it after {@code bin/latentserve}. */
  private static String[] bundle(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "bundle";
    System.arraycopy(args, 0, all, 1, args.length);
    return all;
  }

  @Test
  void demo_conditionDim_publishesConditionalBundleThatInspectDescribes() {
    String published =
        run("demo", repository.toString(), "--name", "cvae", "--condition-dim", "10");

    assertThat(published).contains("published cvae/1");
    Manifest manifest =
        BundleReader.read("cvae", 1, repository.resolve("cvae").resolve("1")).manifest();
    assertThat(manifest.architecture().conditionDim()).isEqualTo(10);
    assertThat(manifest.graph(GraphRole.LOG_WEIGHTS).inputs())
        .extracting(TensorSpec::name)
        .contains(GraphNames.CONDITION);
    assertThat(run("inspect", repository.resolve("cvae").resolve("1").toString()))
        .contains("condition   [10]: conditional (CVAE)");
  }

  @Test
  void demo_withoutConditionDim_publishesUnconditionalBundle() {
    run("demo", repository.toString(), "--name", "vae");

    Manifest manifest =
        BundleReader.read("vae", 1, repository.resolve("vae").resolve("1")).manifest();
    assertThat(manifest.architecture().conditional()).isFalse();
  }

  @Test
  void demo_negativeConditionDim_fails() {
    CommandLine cli = LatentserveCli.commandLine();
    cli.setErr(new PrintWriter(new StringWriter()));

    assertThat(cli.execute(bundle("demo", repository.toString(), "--condition-dim", "-1")))
        .isNotZero();
  }
}
