package io.latentserve.trainer.onnx;

import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.onnx.ExportedGraphs;
import io.latentserve.bundle.onnx.VaeOnnxExporter;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.ExportedModel;
import io.latentserve.trainer.core.ModelExporter;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link ModelExporter} by the ONNX bundle writer ({@link VaeOnnxExporter}). */
public final class OnnxModelExporter implements ModelExporter {
  @Override
  public ExportedModel export(VaeWeights weights) {
    ExportedGraphs graphs = VaeOnnxExporter.export(weights);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (GraphRole role : graphs.specs().keySet()) {
      files.put(graphs.specs().get(role).file(), graphs.model(role));
    }
    return new ExportedModel(graphs.specs(), files);
  }
}
