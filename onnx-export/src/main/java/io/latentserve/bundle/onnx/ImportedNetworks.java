package io.latentserve.bundle.onnx;

import io.latentserve.model.Dense;
import java.util.List;
import org.tribuo.util.onnx.ONNXRef;

/**
 * The networks of an imported one-layer VAE: its own encoder and decoder graphs, embedded, and for
 * a Bernoulli layer the prior logits of its spec.
 */
final class ImportedNetworks implements VaeNetworks {
  private final ImportedNetwork encoder;
  private final ImportedNetwork decoder;
  private final List<Double> priorLogits;

  /**
   * @param priorLogits the logits of a Bernoulli layer's factorial prior; empty for a Gaussian
   *     layer (prior N(0, I), no weights)
   */
  ImportedNetworks(ImportedNetwork encoder, ImportedNetwork decoder, List<Double> priorLogits) {
    this.encoder = encoder;
    this.decoder = decoder;
    this.priorLogits = List.copyOf(priorLogits);
  }

  @Override
  public List<ONNXRef<?>> encoder(
      OnnxGraphBuilder g, int layer, ONNXRef<?> input, boolean matrix, String name) {
    checkLayer(layer);
    return encoder.embed(g, input, name);
  }

  @Override
  public List<ONNXRef<?>> decoder(
      OnnxGraphBuilder g, int layer, ONNXRef<?> input, boolean matrix, String name) {
    checkLayer(layer);
    return decoder.embed(g, input, name);
  }

  @Override
  public List<ONNXRef<?>> prior(
      OnnxGraphBuilder g, ONNXRef<?> condition, boolean matrix, String name) {
    if (priorLogits.isEmpty() || condition != null) {
      throw new UnsupportedOperationException(
          "an imported Gaussian layer has the standard normal prior, without weights");
    }
    // The learned prior's constants, as a layer without inputs, as trained sigmoid belief nets
    // store theirs.
    float[] logits = new float[priorLogits.size()];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = priorLogits.get(i).floatValue();
    }
    return List.of(g.constantLayer(new Dense(0, logits.length, new float[0], logits), name));
  }

  private static void checkLayer(int layer) {
    if (layer != 0) {
      throw new IllegalArgumentException("imported models have one layer, asked for " + layer);
    }
  }
}
