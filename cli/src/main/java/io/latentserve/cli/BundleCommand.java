package io.latentserve.cli;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.BundleReader;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.GraphSpec;
import io.latentserve.bundle.Manifest;
import io.latentserve.bundle.TensorSpec;
import io.latentserve.model.StochasticLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code latentserve bundle demo|inspect}. */
@Command(
    name = "bundle",
    mixinStandardHelpOptions = true,
    description = "Write and inspect model bundles.",
    subcommands = {
      BundleCommand.Demo.class,
      BundleCommand.Inspect.class,
      BundleCommand.Import.class
    })
final class BundleCommand {

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      description =
          "Publish a bundle with seeded random weights into a model repository folder "
              + "(the same seed always writes the same weights).")
  static final class Demo implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "Model repository root.")
    Path repository;

    @Option(
        names = "--name",
        defaultValue = "demo",
        description = "Model name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(
        names = "--architecture",
        defaultValue = "iwae1",
        description = "One of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    DemoBundle architecture;

    @Option(
        names = "--seed",
        defaultValue = "1",
        description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
        names = "--condition-dim",
        defaultValue = "0",
        paramLabel = "C",
        description =
            "Condition the model on C values (a CVAE; 10 for one-hot MNIST labels): every request"
                + " then carries a condition [N, C]. 0 for an unconditional model (default:"
                + " ${DEFAULT-VALUE}).")
    int conditionDim;

    @Override
    public void run() {
      if (conditionDim < 0) {
        throw new CliException("--condition-dim must be >= 0, got " + conditionDim);
      }
      Bundle bundle =
          architecture.publish(new FileSystemModelRepository(repository), name, seed, conditionDim);
      spec.commandLine()
          .getOut()
          .printf(
              "published %s/%d at %s%n", bundle.modelName(), bundle.version(), bundle.directory());
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "Turn an encoder and a decoder exported to ONNX (from PyTorch, JAX, ...) and a JSON spec"
            + " into a bundle: the graphs are checked against the import contract (README: Bring"
            + " your own ONNX VAE), the fused log-density graphs are composed around them, run"
            + " once against the imported graphs alone, and published as the next version of"
            + " REPOSITORY/NAME.",
        "Supported: one latent layer, gaussian with the N(0, I) prior or bernoulli with the"
            + " factorial prior of the spec's priorLogits; bernoulli, gaussian_fixed or"
            + " gaussian_learned likelihood; opsets 13 to 21."
      })
  static final class Import implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--encoder",
        required = true,
        paramLabel = "FILE",
        description =
            "ONNX encoder: x [batch, D] -> mean, logvar (gaussian layer) or logits (bernoulli"
                + " layer) [batch, d].")
    Path encoder;

    @Option(
        names = "--decoder",
        required = true,
        paramLabel = "FILE",
        description =
            "ONNX decoder: z [batch, d] -> logits (bernoulli), mean (gaussian_fixed) or mean,"
                + " logvar (gaussian_learned) [batch, D].")
    Path decoder;

    @Option(
        names = "--spec",
        required = true,
        paramLabel = "FILE",
        description =
            "JSON: inputDim, latent {name, dim, family, priorLogits}, likelihood, likelihoodSigma,"
                + " optional encoder/decoder {input, outputs}.")
    Path specFile;

    @Parameters(
        index = "0",
        paramLabel = "REPOSITORY/NAME",
        description = "Model repository root and model name, e.g. models/my-vae.")
    Path target;

    @Override
    public void run() {
      Path normalized = target.normalize();
      if (normalized.getFileName() == null) {
        throw new CliException("REPOSITORY/NAME needs a model name, got " + target);
      }
      String name = normalized.getFileName().toString();
      if (!io.latentserve.bundle.ModelNames.isValid(name)) {
        throw new CliException(
            "model name " + name + " in " + target + " is not valid: " + reason(name));
      }
      Path root = normalized.getParent() == null ? Path.of(".") : normalized.getParent();
      BundleImport.Result result;
      try {
        result =
            BundleImport.run(
                encoder,
                decoder,
                specFile,
                new FileSystemModelRepository(root),
                name,
                new OrtOnnxExecutor());
      } catch (io.latentserve.bundle.onnx.ImportException e) {
        throw new CliException("bundle import: " + e.getMessage(), e);
      }
      Bundle bundle = result.bundle();
      spec.commandLine()
          .getOut()
          .printf(
              "self-check passed: composed graphs agree with the imported encoder and decoder"
                  + " (largest relative difference %.2e)%npublished %s/%d at %s%n",
              result.selfCheckError(), bundle.modelName(), bundle.version(), bundle.directory());
    }

    private static String reason(String name) {
      try {
        io.latentserve.bundle.ModelNames.validate(name);
        return "";
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
    }
  }

  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description =
          "Verify a bundle folder (schema, shapes, sha256 of every file) and describe it.")
  static final class Inspect implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "PATH",
        description = "A bundle folder <root>/<model>/<version>.")
    Path path;

    @Override
    public void run() {
      Path dir = path.toAbsolutePath().normalize();
      if (!Files.isDirectory(dir)) {
        throw new CliException(path + " is not a folder");
      }
      String version = dir.getFileName().toString();
      if (!version.matches("[1-9][0-9]*")) {
        throw new CliException(
            path + " is not a version folder: expected <root>/<model>/<version> with version >= 1");
      }
      Bundle bundle =
          BundleReader.read(dir.getParent().getFileName().toString(), Long.parseLong(version), dir);
      print(bundle);
    }

    private void print(Bundle bundle) {
      var out = spec.commandLine().getOut();
      Manifest m = bundle.manifest();
      var arch = m.architecture();
      out.printf(
          "bundle      %s/%d (format %d) - sha256 verified%n",
          bundle.modelName(), bundle.version(), m.formatVersion());
      out.printf(
          "input       [%d], likelihood %s%s, activation %s%n",
          arch.inputDim(),
          arch.likelihood(),
          arch.likelihoodSigma() > 0 ? " sigma=" + arch.likelihoodSigma() : "",
          arch.activation());
      if (arch.conditional()) {
        out.printf(
            "condition   [%d]: conditional (CVAE), every request carries condition [N, %d]%n",
            arch.conditionDim(), arch.conditionDim());
      }
      for (StochasticLayer layer : arch.layers()) {
        out.printf(
            "latent      %s: %d %s, hidden %s%n",
            layer.name(), layer.latentDim(), layer.family().name(), layer.hidden());
      }
      for (GraphRole role : GraphRole.values()) {
        GraphSpec g = m.graph(role);
        out.printf(
            "graph       %-14s %-20s %s -> %s%n",
            role.name().toLowerCase(java.util.Locale.ROOT),
            g.file(),
            describe(g.inputs()),
            describe(g.outputs()));
      }
      var p = m.provenance();
      out.printf(
          "provenance  dataset %s, seed %d, epochs %d, code %s, created %s%n",
          p.dataset(), p.seed(), p.epochs(), p.codeVersion(), p.created());
      p.finalMetrics().forEach((k, v) -> out.printf("metric      %s = %.4f%n", k, v));
      out.printf("spec        %s%n", p.specJson());
    }

    private static String describe(java.util.List<TensorSpec> tensors) {
      return tensors.stream().map(t -> t.name() + t.shape()).collect(Collectors.joining(", "));
    }
  }
}
