package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code latentserve quickstart} checks every flag before it fetches or starts anything. */
class QuickstartCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int quickstart(String... args) {
    CommandLine cli = LatentserveCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 5];
    all[0] = "quickstart";
    all[1] = "--workdir";
    all[2] = dir.resolve("work").toString();
    all[3] = "--data-dir";
    all[4] = dir.resolve("data").toString();
    System.arraycopy(args, 0, all, 5, args.length);
    return cli.execute(all);
  }

  @Test
  void misspelledObjective_isRefusedBeforeAnythingStarts() {
    assertThat(quickstart("--objective", "iwea")).isEqualTo(2);

    assertThat(err.toString())
        .isEqualTo(
            "latentserve: --objective must be elbo, beta-vae, iwae, dreg, info-vae, lag-vae, vimco,"
                + " rws, hit, dvae, dvae-pp or dvae-sharp, got \"iwea\"\n");
    assertThat(out.toString()).doesNotContain("[1/6]");
    assertThat(dir.resolve("work")).doesNotExist();

    assertThat(quickstart("--objective", "lag-vae")).isEqualTo(2);
    assertThat(err.toString()).contains("--objective lag-vae needs --mi, --e1 and --e2");
    assertThat(dir.resolve("work")).doesNotExist();
  }

  @Test
  void trainKWithElbo_isRefusedNamingTheFlag() {
    assertThat(quickstart("--objective", "elbo", "--train-k", "5")).isEqualTo(2);

    assertThat(err.toString())
        .isEqualTo(
            "latentserve: --train-k needs --objective iwae or dreg (--objective elbo draws one"
                + " sample)\n");
    assertThat(out.toString()).isEmpty();
  }
}
