package io.latentserve.bundle.onnx;

import io.latentserve.model.VaeArchitecture;
import java.util.List;

/**
 * A VAE made outside latentserve, as bundle graphs: the encoder and decoder given as ONNX graphs
 * (exported from PyTorch, JAX, or written by hand), and the sampling, reparameterization and
 * log-density nodes of {@link VaeOnnxExporter} composed around them, so that the five graphs of a
 * bundle take and return exactly what a trained model's do.
 *
 * <p>Supported: one latent layer, diagonal Gaussian with the N(0, I) prior or Bernoulli with a
 * factorial prior of given logits; Bernoulli, fixed-sigma Gaussian or learned-variance Gaussian
 * likelihood; unconditional models. The composed graphs declare the imported graphs' opset (at
 * least 13) and IR version.
 *
 * @param spec the description it was composed from
 * @param encoder the imported encoder's input and its outputs (mean, logvar), by name
 * @param decoder the imported decoder's input and its outputs in the likelihood's parameter order
 */
public record ImportedVae(
    ImportSpec spec, ExportedGraphs graphs, Network encoder, Network decoder) {

  /** Names in an imported graph. */
  public record Network(String input, List<String> outputs) {
    public Network {
      outputs = List.copyOf(outputs);
    }
  }

  /** The bundle's architecture. */
  public VaeArchitecture architecture() {
    return spec.architecture();
  }

  /**
   * Checks the encoder and decoder against the contract and composes the bundle graphs.
   *
   * @param encoderFile, decoderFile file names for messages
   * @throws ImportException naming what the contract expects and what a graph has
   */
  public static ImportedVae compose(
      ImportSpec spec, String encoderFile, byte[] encoder, String decoderFile, byte[] decoder) {
    VaeArchitecture architecture = spec.architecture();
    ImportedNetwork enc =
        ImportedNetwork.parse(
            encoderFile,
            encoder,
            spec.inputDim(),
            spec.family().parameterNames(),
            spec.latentDim(),
            spec.encoder());
    ImportedNetwork dec =
        ImportedNetwork.parse(
            decoderFile,
            decoder,
            spec.latentDim(),
            ImportSpec.decoderParameters(spec.likelihood()),
            spec.inputDim(),
            spec.decoder());
    if (enc.opset() != dec.opset()) {
      // Operators changed meaning between opsets (e.g. ReduceMean's axes at 18): one graph cannot
      // hold nodes written for two.
      throw new ImportException(
          encoderFile
              + " uses opset "
              + enc.opset()
              + " and "
              + decoderFile
              + " opset "
              + dec.opset()
              + "; export both with the same opset_version");
    }
    ExportedGraphs graphs =
        VaeOnnxExporter.export(
            architecture,
            new ImportedNetworks(enc, dec, spec.priorLogits()),
            enc.opset(),
            Math.max(enc.irVersion(), dec.irVersion()));
    return new ImportedVae(
        spec,
        graphs,
        new Network(enc.input(), enc.outputs()),
        new Network(dec.input(), dec.outputs()));
  }
}
