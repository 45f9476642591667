package io.latentserve.cli;

import io.latentserve.trainer.app.SweepWorker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code latentserve train-worker}: trains one point of a sweep in this process and publishes it
 * into a model repository, then exits; what each completion of the Indexed Job that {@code sweep
 * --emit kubernetes} writes runs.
 */
@Command(
    name = "train-worker",
    mixinStandardHelpOptions = true,
    description =
        "Train point --index of a sweep configuration in this process (no trainer-service) and"
            + " publish it into --repository; exit 0 when published, 1 when training failed, 2 for"
            + " a bad configuration or index.")
final class TrainWorkerCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--sweep-config",
      required = true,
      description = "The sweep's points (JSON), as `sweep --emit kubernetes` writes them.")
  Path config;

  @Option(
      names = "--index",
      required = true,
      description = "The point to train, 0-based (the Job's completion index).")
  int index;

  @Option(
      names = "--repository",
      required = true,
      description = "The model repository the point's bundle is published into.")
  Path repository;

  @Option(
      names = "--data-dir",
      description = "Dataset folder (default: LATENTSERVE_DATA_DIR or the catalogue's).")
  String dataDir;

  @Option(
      names = "--jobs-dir",
      description =
          "Folder of the point's job state and checkpoints (default: a new temporary folder).")
  Path jobsDir;

  @Override
  public Integer call() throws Exception {
    Path data =
        io.latentserve.datasets.DatasetCatalog.resolveDataDir(dataDir, System.getenv())
            .toAbsolutePath();
    Path jobs =
        jobsDir != null ? jobsDir : java.nio.file.Files.createTempDirectory("latentserve-worker");
    return SweepWorker.run(
        config,
        index,
        repository,
        data,
        jobs,
        spec.commandLine().getOut(),
        spec.commandLine().getErr());
  }
}
