package io.latentserve.bundle.onnx;

import java.util.List;
import org.tribuo.util.onnx.ONNXRef;

/** The networks of an imported one-layer VAE: its own encoder and decoder graphs, embedded. */
final class ImportedNetworks implements VaeNetworks {
  private final ImportedNetwork encoder;
  private final ImportedNetwork decoder;

  ImportedNetworks(ImportedNetwork encoder, ImportedNetwork decoder) {
    this.encoder = encoder;
    this.decoder = decoder;
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
    throw new UnsupportedOperationException("imported models have the standard normal prior");
  }

  private static void checkLayer(int layer) {
    if (layer != 0) {
      throw new IllegalArgumentException("imported models have one layer, asked for " + layer);
    }
  }
}
