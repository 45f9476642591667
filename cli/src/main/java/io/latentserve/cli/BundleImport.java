package io.latentserve.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.ModelRepository;
import io.latentserve.bundle.Provenance;
import io.latentserve.bundle.onnx.ImportSelfCheck;
import io.latentserve.bundle.onnx.ImportSpec;
import io.latentserve.bundle.onnx.ImportedVae;
import io.latentserve.bundle.onnx.OnnxExecutor;
import io.latentserve.bundle.onnx.OnnxExternalData;
import io.latentserve.bundle.onnx.VaeBundles;
import io.latentserve.model.LatentserveVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

/**
 * {@code bundle import}: an encoder and a decoder made elsewhere, and their spec, checked, composed
 * into the five bundle graphs, checked numerically, and published as the next version of a model.
 * Nothing is published unless every check passed.
 */
final class BundleImport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BundleImport() {}

  /** What an import published. */
  record Result(Bundle bundle, double selfCheckError) {}

  /**
   * @throws io.latentserve.bundle.onnx.ImportException when a file does not fit the contract or the
   *     self-check fails
   * @throws CliException when a file cannot be read
   */
  static Result run(
      Path encoderFile,
      Path decoderFile,
      Path specFile,
      ModelRepository repository,
      String modelName,
      OnnxExecutor executor) {
    byte[] encoder = withWeights(encoderFile);
    byte[] decoder = withWeights(decoderFile);
    String specJson = new String(read(specFile), java.nio.charset.StandardCharsets.UTF_8);
    ImportSpec spec = ImportSpec.fromJson(specJson);
    String encoderName = encoderFile.getFileName().toString();
    String decoderName = decoderFile.getFileName().toString();
    ImportedVae vae = ImportedVae.compose(spec, encoderName, encoder, decoderName, decoder);
    double error = ImportSelfCheck.check(vae, encoder, decoder, executor);
    Provenance provenance =
        new Provenance(
            provenance(specJson, encoderName, encoder, decoderName, decoder, error),
            "none",
            0,
            0,
            Map.of(),
            LatentserveVersion.get(),
            Instant.now());
    Bundle bundle =
        VaeBundles.publish(repository, modelName, vae.architecture(), vae.graphs(), provenance);
    return new Result(bundle, error);
  }

  /** The spec as given, and which files the networks came from, by name and digest. */
  private static String provenance(
      String specJson,
      String encoderName,
      byte[] encoder,
      String decoderName,
      byte[] decoder,
      double error) {
    ObjectNode root = JSON.createObjectNode();
    root.put("generator", "latentserve bundle import");
    try {
      root.set("spec", JSON.readTree(specJson));
    } catch (IOException e) {
      throw new IllegalStateException("the spec was parsed once already", e);
    }
    // The digests are of the graphs with their weights, external data read in.
    root.putObject("encoder").put("file", encoderName).put("sha256", sha256(encoder));
    root.putObject("decoder").put("file", decoderName).put("sha256", sha256(decoder));
    root.put("selfCheckMaxRelativeError", error);
    return root.toString();
  }

  /** The model with any external data file (PyTorch's default) read into it. */
  private static byte[] withWeights(Path file) {
    Path folder = file.toAbsolutePath().getParent();
    return OnnxExternalData.inline(file.getFileName().toString(), read(file), folder);
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
