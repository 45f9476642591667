package io.latentserve.bundle.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights kept in an external data file, as PyTorch's exporter writes them by default: read back
 * in, the model is the one whose weights were inside all along.
 */
class OnnxExternalDataTest {
  @TempDir Path folder;

  private static byte[] encoder() {
    VaeArchitecture architecture =
        new VaeArchitecture(
            6,
            List.of(new StochasticLayer("z1", 2, List.of(4))),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    return OutsideGraphs.of(VaeWeights.random(architecture, 9).encoders().get(0)).bytes();
  }

  /**
   * The model with every initializer's floats moved to {@code location}, after 16 bytes of other
   * data, as little-endian raw bytes.
   */
  private byte[] externalized(byte[] model, String location) throws IOException {
    OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(model);
    OnnxMl.GraphProto.Builder graph = proto.getGraph().toBuilder();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    data.write(new byte[16]);
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      OnnxMl.TensorProto t = graph.getInitializer(i);
      ByteBuffer raw =
          ByteBuffer.allocate(4 * t.getFloatDataCount()).order(ByteOrder.LITTLE_ENDIAN);
      t.getFloatDataList().forEach(raw::putFloat);
      long offset = data.size();
      data.write(raw.array());
      graph.setInitializer(
          i,
          t.toBuilder()
              .clearFloatData()
              .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
              .addExternalData(entry("location", location))
              .addExternalData(entry("offset", Long.toString(offset)))
              .addExternalData(entry("length", Integer.toString(raw.capacity()))));
    }
    Files.write(folder.resolve("enc.onnx.data"), data.toByteArray());
    return proto.toBuilder().setGraph(graph).build().toByteArray();
  }

  private static OnnxMl.StringStringEntryProto entry(String key, String value) {
    return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  @Test
  void inline_externalWeights_givesTheSameOutputsAsWeightsInside() throws IOException {
    byte[] inside = encoder();
    byte[] inlined =
        OnnxExternalData.inline("enc.onnx", externalized(inside, "enc.onnx.data"), folder);

    io.latentserve.model.FloatTensor x =
        io.latentserve.model.FloatTensor.of(new float[] {1, 0, 1, 1, 0, 0}, 1, 6);
    OnnxExecutor ort = new OrtTestExecutor();
    assertThat(ort.run("inlined", inlined, java.util.Map.of("x", x)))
        .isEqualTo(ort.run("inside", inside, java.util.Map.of("x", x)));
  }

  @Test
  void inline_noExternalData_returnsTheSameBytes() {
    byte[] inside = encoder();

    assertThat(OnnxExternalData.inline("enc.onnx", inside, folder)).isSameAs(inside);
  }

  @Test
  void inline_locationOutsideTheFolder_isRefused() throws IOException {
    byte[] model = externalized(encoder(), "../elsewhere.data");

    assertThatThrownBy(() -> OnnxExternalData.inline("enc.onnx", model, folder))
        .isInstanceOf(ImportException.class)
        .hasMessageContaining("keeps its data at ../elsewhere.data, outside the model's folder");
  }

  @Test
  void compose_externalDataNotReadIn_namesTheInitializer() throws IOException {
    byte[] model = externalized(encoder(), "enc.onnx.data");

    assertThatThrownBy(
            () ->
                ImportedNetwork.parse(
                    "enc.onnx",
                    model,
                    6,
                    List.of("mean", "logvar"),
                    2,
                    ImportSpec.Names.positional()))
        .hasMessageStartingWith(
            "enc.onnx keeps initializer hidden0.weight in an external data file");
  }
}
