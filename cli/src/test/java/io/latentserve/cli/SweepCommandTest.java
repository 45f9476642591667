package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.proto.v1.SweepGroup;
import io.latentserve.proto.v1.SweepMode;
import io.latentserve.trainer.core.SweepConfig;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SweepCommandTest {
  @TempDir Path dir;

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = LatentserveCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void groups_gridThenZip_axesInOrderANewGroupAtEachMode() {
    List<SweepGroup> groups =
        SweepCommand.groups(
            List.of(
                "--objective",
                "lag-vae",
                "--axis",
                "mi=1,-1",
                "--axis=e1=84, 88",
                "--zip",
                "--axis",
                "objective=info_vae,info_vae",
                "--axis",
                "e1=90,95",
                "--grid",
                "--axis",
                "seed=1"));

    assertThat(groups).hasSize(3);
    assertThat(groups.get(0).getMode()).isEqualTo(SweepMode.SWEEP_MODE_GRID);
    assertThat(groups.get(0).getAxes(1).getField()).isEqualTo("e1");
    assertThat(groups.get(0).getAxes(1).getValuesList()).containsExactly("84", "88");
    assertThat(groups.get(1).getMode()).isEqualTo(SweepMode.SWEEP_MODE_ZIP);
    assertThat(groups.get(1).getAxesCount()).isEqualTo(2);
    assertThat(groups.get(2).getAxes(0).getValuesList()).containsExactly("1");
    assertThatThrownBy(() -> SweepCommand.axis("mi"))
        .isInstanceOf(CliException.class)
        .hasMessage("--axis must be FIELD=V1,V2,..., e.g. --axis e1=84,88; got \"mi\"");
  }

  @Test
  void report_lagAndInfoPointsWithAGrid_writesTablePlaneAndHeatmap() throws Exception {
    List<SweepReport.Point> points =
        List.of(
            point(0, "lag_vae mi>0", Map.of("mi", "1", "e1", "84"), 84, 30),
            point(1, "lag_vae mi>0", Map.of("mi", "1", "e1", "88"), 88, 40),
            point(2, "lag_vae mi<=0", Map.of("mi", "-1", "e1", "84"), 85, 10),
            point(3, "lag_vae mi<=0", Map.of("mi", "-1", "e1", "88"), 89, 8),
            point(4, "info_vae", Map.of("e1", "90"), 90, 20));
    SweepReport.Grid grid =
        new SweepReport.Grid(
            "mi", List.of("1", "-1"), "e1", List.of("84", "88"), new int[][] {{0, 1}, {2, 3}});

    Path html = SweepReport.write(dir, "sweep lag", Map.of("sweep", "s-1"), points, List.of(grid));

    String page = Files.readString(html);
    assertThat(page)
        .contains(
            "<th>train NLL+KL</th>",
            "<td>88.00 &plusmn; 0.20</td>",
            "<td>83.000</td>",
            "lag_vae mi&lt;=0",
            "s-1");
    BufferedImage plane = ImageIO.read(dir.resolve(SweepReport.PLANE).toFile());
    assertThat(plane.getWidth()).isEqualTo(2 * SweepCharts.PANEL_WIDTH);
    BufferedImage heatmap = ImageIO.read(dir.resolve("heatmap-0-test-consistency.png").toFile());
    assertThat(heatmap.getWidth()).isPositive();
    assertThat(Files.readString(dir.resolve("points.json"))).contains("\"family\" : \"info_vae\"");
  }

  private static SweepReport.Point point(
      int index, String family, Map<String, String> values, double consistency, double mi) {
    SweepReport.Split split =
        new SweepReport.Split(mi, 0.1, "test", consistency - 5, 5, consistency, 0.2, 100);
    return new SweepReport.Point(
        index,
        values,
        family,
        Map.of("epochs", "1"),
        "SUCCEEDED",
        "lag-" + index,
        1,
        Map.of("lagrange_multiplier_consistency", 1.5),
        split,
        split);
  }

  private static Optional<Path> sharedData() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared").resolve("data");
      if (Files.isDirectory(candidate) && new DatasetCatalog(candidate).isAvailable("mnist-10k")) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * What a Kubernetes sweep's pods run, run here: emit a two-point sweep, then {@code train-worker}
   * for each index publishes NAME-i with the sweep in its provenance.
   */
  @Test
  void emitKubernetesThenTrainWorker_twoIndices_eachPointPublishedWithItsProvenance()
      throws Exception {
    Optional<Path> data = sharedData();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        data.isPresent(), "real mnist-10k not found under ../shared/data");
    Path k8s = dir.resolve("k8s");
    Run emitted =
        run(
            "sweep",
            "--name",
            "pts",
            "--objective",
            "lag-vae",
            "--mi",
            "1",
            "--e1",
            "200",
            "--e2",
            "5",
            "--preset",
            "custom",
            "--layer",
            "4:16",
            "--epochs",
            "1",
            "--batch-size",
            "500",
            "--validation-k",
            "2",
            "--zip",
            "--axis",
            "mi=1,-1",
            "--axis",
            "e1=150,160",
            "--emit",
            "kubernetes",
            k8s.toString());
    assertThat(emitted.exitCode()).as(emitted.err()).isZero();
    Path config = k8s.resolve("sweep-pts.json");
    SweepConfig sweep = SweepConfig.fromJson(Files.readString(config));
    Path repository = dir.resolve("models");

    for (int index = 0; index < 2; index++) {
      Run worker =
          run(
              "train-worker",
              "--sweep-config",
              config.toString(),
              "--index",
              Integer.toString(index),
              "--repository",
              repository.toString(),
              "--data-dir",
              data.get().toString(),
              "--jobs-dir",
              dir.resolve("jobs-" + index).toString());
      assertThat(worker.exitCode()).as(worker.err()).isZero();
      assertThat(worker.out()).contains("point " + index + " published as pts-" + index + "/1");
    }
    FileSystemModelRepository models = new FileSystemModelRepository(repository);
    for (int index = 0; index < 2; index++) {
      Provenance p = models.open("pts-" + index, 1).manifest().provenance();
      assertThat(p.sweep().sweepId()).isEqualTo(sweep.sweepId());
      assertThat(p.sweep().index()).isEqualTo(index);
      assertThat(p.sweep().values()).isEqualTo(sweep.points().get(index).values());
      assertThat(p.specJson()).contains("\"model_name\":\"pts-" + index + "\"");
    }
    assertThat(models.open("pts-1", 1).manifest().provenance().sweep().values())
        .containsEntry("mi", "-1")
        .containsEntry("e1", "160");

    // A pod restarted after publishing does not publish again; a bad index is refused.
    Run again =
        run(
            "train-worker",
            "--sweep-config",
            config.toString(),
            "--index",
            "0",
            "--repository",
            repository.toString(),
            "--data-dir",
            data.get().toString());
    assertThat(again.exitCode()).isZero();
    assertThat(again.out()).contains("already published as pts-0/1");
    assertThat(models.versions("pts-0")).containsExactly(1L);
    Run bad =
        run(
            "train-worker",
            "--sweep-config",
            config.toString(),
            "--index",
            "2",
            "--repository",
            repository.toString(),
            "--data-dir",
            data.get().toString());
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err())
        .contains("--index must be in [0, 2) for sweep " + sweep.sweepId() + ", got 2");
  }
}
