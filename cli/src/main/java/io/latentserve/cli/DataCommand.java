package io.latentserve.cli;

import io.latentserve.datasets.DatasetCatalog;
import io.latentserve.datasets.DatasetSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code latentserve data list|fetch}. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "List and fetch the catalogued datasets.",
    subcommands = {DataCommand.ListDatasets.class, DataCommand.Fetch.class})
final class DataCommand {

  /** Fetches {@code name} into {@code dataDir} unless all its files are there already. */
  static void ensureDataset(String name, Path dataDir, PrintWriter out) throws IOException {
    DatasetCatalog catalog = new DatasetCatalog(dataDir);
    if (catalog.isAvailable(name)) {
      out.printf("      %s present in %s%n", name, catalog.directory(name));
      return;
    }
    out.printf("      fetching %s into %s%n", name, catalog.directory(name));
    out.flush();
    DatasetFetching.fetch(name, dataDir, out);
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Known datasets and where they are.")
  static final class ListDatasets implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--data-dir",
        description = "Dataset folder (env LATENTSERVE_DATA_DIR; default ./data).")
    String dataDir;

    @Override
    public void run() {
      DatasetCatalog catalog =
          new DatasetCatalog(DatasetCatalog.resolveDataDir(dataDir, System.getenv()));
      PrintWriter out = spec.commandLine().getOut();
      for (DatasetSpec s : DatasetCatalog.specs()) {
        out.printf(
            "%-14s %-9s %s%n",
            s.name(),
            catalog.isAvailable(s.name()) ? "present" : "missing",
            catalog.directory(s.name()));
      }
    }
  }

  @Command(
      name = "fetch",
      mixinStandardHelpOptions = true,
      description =
          "Download a dataset from its public source, verify its digests and store its files"
              + " (IDX, or CIFAR-10's binary batches).")
  static final class Fetch implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Dataset name (see `data list`).")
    String name;

    @Option(
        names = "--data-dir",
        description = "Dataset folder (env LATENTSERVE_DATA_DIR; default ./data).")
    String dataDir;

    @Override
    public Integer call() throws IOException {
      DatasetCatalog.spec(name);
      DatasetFetching.fetch(
          name,
          DatasetCatalog.resolveDataDir(dataDir, System.getenv()),
          spec.commandLine().getOut());
      return 0;
    }
  }
}
