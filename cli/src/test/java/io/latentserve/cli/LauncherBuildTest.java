package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/lib/build-if-stale}, the staleness check and build lock of {@code bin/latentserve} and
 * {@code bench/run}, run for real on a small tree of its own with a stand-in build command that
 * records each run.
 */
class LauncherBuildTest {
  private static final Path SCRIPT = Path.of("..", "bin", "lib", "build-if-stale");
  private static final Instant STAMPED = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path tree;
  private Path stamp;
  private Path log;

  @BeforeEach
  void makeTree() throws IOException {
    Path script = tree.resolve("bin/lib/build-if-stale");
    Files.createDirectories(script.getParent());
    Files.copy(SCRIPT, script);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    write("pom.xml", STAMPED.minusSeconds(60));
    write("cli/src/main/java/Main.java", STAMPED.minusSeconds(60));
    stamp = tree.resolve("cli/target/.launcher-build");
    log = tree.resolve("builds.log");
  }

  @Test
  void noStamp_builds() throws Exception {
    assertThat(launch().waitFor()).isZero();

    assertThat(builds()).isEqualTo(1);
    assertThat(stamp).exists();
  }

  @Test
  void freshStamp_doesNotBuild() throws Exception {
    write("cli/target/.launcher-build", STAMPED);

    assertThat(launch().waitFor()).isZero();

    assertThat(builds()).isZero();
  }

  /**
   * A build rewrites the generated sources under target/: they must not make the next launch build.
   */
  @Test
  void generatedSourceNewerThanStamp_doesNotBuild() throws Exception {
    write("cli/target/.launcher-build", STAMPED);
    write("proto/target/generated-sources/protobuf/java/Generated.java", STAMPED.plusSeconds(60));
    write("examples/node/node_modules/x/pom.xml", STAMPED.plusSeconds(60));
    // the Python client's virtual environment holds grpcio-tools' own .proto files
    write(
        "examples/python/.venv/lib/grpc_tools/_proto/google/protobuf/duration.proto",
        STAMPED.plusSeconds(60));

    assertThat(launch().waitFor()).isZero();

    assertThat(builds()).isZero();
  }

  @Test
  void sourceNewerThanStamp_builds() throws Exception {
    write("cli/target/.launcher-build", STAMPED);
    write("cli/src/main/java/Main.java", STAMPED.plusSeconds(60));

    assertThat(launch().waitFor()).isZero();

    assertThat(builds()).isEqualTo(1);
  }

  /** The README starts services with `serve ... &` lines: launchers started together build once. */
  @Test
  void threeLaunchesAtOnce_buildOnce() throws Exception {
    List<Process> launches = List.of(launch(), launch(), launch());
    for (Process p : launches) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    }

    assertThat(builds()).isEqualTo(1);
  }

  @Test
  void failedBuild_leavesNoStamp() throws Exception {
    Process p =
        new ProcessBuilder(
                tree.resolve("bin/lib/build-if-stale").toString(),
                stamp.toString(),
                "--",
                "bash",
                "-c",
                "exit 3")
            .redirectErrorStream(true)
            .start();

    assertThat(p.waitFor()).isEqualTo(3);
    assertThat(stamp).doesNotExist();
  }

  /**
   * One launch whose stand-in build takes a second (so that concurrent launches overlap) and
   * appends a line to the log.
   */
  private Process launch() throws IOException {
    return new ProcessBuilder(
            tree.resolve("bin/lib/build-if-stale").toString(),
            stamp.toString(),
            "--",
            "bash",
            "-c",
            "sleep 1; echo built >> " + log)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  private long builds() throws IOException {
    return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8).size() : 0;
  }

  private void write(String path, Instant modified) throws IOException {
    Path file = tree.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, "x");
    Files.setLastModifiedTime(file, FileTime.from(modified));
  }
}
