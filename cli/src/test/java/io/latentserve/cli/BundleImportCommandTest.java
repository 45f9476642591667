package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import io.latentserve.bundle.BundleReader;
import io.latentserve.bundle.FileSystemModelRepository;
import io.latentserve.bundle.Manifest;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code latentserve bundle import} end to end on files: linear Gaussian networks written with the
 * plain ONNX protobuf classes (as an outside exporter would), imported, self-checked, published.
 */
class BundleImportCommandTest {
  private static final int D = 6;
  private static final int LATENT = 2;
  private static final String SPEC =
      "{\"inputDim\": 6, \"latent\": {\"name\": \"z1\", \"dim\": 2, \"family\": \"gaussian\"},"
          + " \"likelihood\": \"gaussian_fixed\", \"likelihoodSigma\": 0.5}";

  @TempDir Path work;

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = LatentserveCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 2];
    all[0] = "bundle";
    all[1] = "import";
    System.arraycopy(args, 0, all, 2, args.length);
    int exit = cli.execute(all);
    return new Run(exit, out.toString(), err.toString());
  }

  private Run importInto(Path encoder, Path decoder, String name) throws IOException {
    Path spec = Files.writeString(work.resolve("model.json"), SPEC);
    return run(
        "--encoder",
        encoder.toString(),
        "--decoder",
        decoder.toString(),
        "--spec",
        spec.toString(),
        work.resolve("models").resolve(name).toString());
  }

  @Test
  void import_linearGaussianGraphs_publishesVerifiedBundlesAsNextVersions() throws IOException {
    Path encoder = Files.write(work.resolve("enc.onnx"), linear("x", D, LATENT, 2, 17, -1));
    Path decoder = Files.write(work.resolve("dec.onnx"), linear("z", LATENT, D, 1, 17, -1));

    Run first = importInto(encoder, decoder, "linear");
    Run second = importInto(encoder, decoder, "linear");

    assertThat(first.exitCode()).as("stderr: %s", first.err()).isZero();
    assertThat(first.out()).contains("self-check passed").contains("published linear/1");
    assertThat(second.out()).contains("published linear/2");
    Manifest manifest = BundleReader.read("linear", 1, work.resolve("models/linear/1")).manifest();
    assertThat(manifest.architecture().likelihood()).isEqualTo(LikelihoodFamily.GAUSSIAN_FIXED);
    assertThat(manifest.architecture().likelihoodSigma()).isEqualTo(0.5);
    assertThat(manifest.architecture().layer(0).family()).isEqualTo(LatentFamily.GAUSSIAN);
    assertThat(manifest.provenance().specJson())
        .contains("\"generator\":\"latentserve bundle import\"")
        .contains("\"file\":\"enc.onnx\"");
    assertThat(new FileSystemModelRepository(work.resolve("models")).versions("linear"))
        .containsExactly(1L, 2L);
  }

  /** PyTorch's exporter keeps the weights in {@code enc.onnx.data} beside the graph by default. */
  @Test
  void import_weightsInExternalDataFiles_readsThemIntoTheBundle() throws IOException {
    Path encoder =
        Files.write(
            work.resolve("enc.onnx"), external(linear("x", D, LATENT, 2, 17, -1), "enc.onnx.data"));
    Path decoder =
        Files.write(
            work.resolve("dec.onnx"), external(linear("z", LATENT, D, 1, 17, -1), "dec.onnx.data"));

    Run result = importInto(encoder, decoder, "external");

    assertThat(result.exitCode()).as("stderr: %s", result.err()).isZero();
    assertThat(result.out()).contains("published external/1");
    // The bundle is self-contained: its graphs hold the weights themselves.
    OnnxMl.GraphProto composed =
        OnnxMl.ModelProto.parseFrom(
                Files.readAllBytes(work.resolve("models/external/1/log_weights.onnx")))
            .getGraph();
    assertThat(composed.getInitializerList())
        .extracting(OnnxMl.TensorProto::getDataLocation)
        .containsOnly(OnnxMl.TensorProto.DataLocation.DEFAULT);
  }

  /** The model with every initializer's floats moved to {@code location} in the work folder. */
  private byte[] external(byte[] model, String location) throws IOException {
    OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(model);
    OnnxMl.GraphProto.Builder graph = proto.getGraph().toBuilder();
    java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      OnnxMl.TensorProto t = graph.getInitializer(i);
      java.nio.ByteBuffer raw =
          java.nio.ByteBuffer.allocate(4 * t.getFloatDataCount())
              .order(java.nio.ByteOrder.LITTLE_ENDIAN);
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
    Files.write(work.resolve(location), data.toByteArray());
    return proto.toBuilder().setGraph(graph).build().toByteArray();
  }

  private static OnnxMl.StringStringEntryProto entry(String key, String value) {
    return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  @Test
  void import_decoderWithFixedBatch_exitsNonZeroNamingTheProblemAndPublishesNothing()
      throws IOException {
    Path encoder = Files.write(work.resolve("enc.onnx"), linear("x", D, LATENT, 2, 17, -1));
    Path decoder = Files.write(work.resolve("dec.onnx"), linear("z", LATENT, D, 1, 17, 1));

    Run result = importInto(encoder, decoder, "linear");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .contains(
            "bundle import: dec.onnx input z has the fixed batch size 1; the contract needs a"
                + " dynamic batch axis");
    assertThat(new FileSystemModelRepository(work.resolve("models")).versions("linear")).isEmpty();
  }

  @Test
  void import_encoderWithOneOutput_exitsNonZeroNamingTheCount() throws IOException {
    Path encoder = Files.write(work.resolve("enc.onnx"), linear("x", D, LATENT, 1, 17, -1));
    Path decoder = Files.write(work.resolve("dec.onnx"), linear("z", LATENT, D, 1, 17, -1));

    Run result = importInto(encoder, decoder, "linear");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .contains("enc.onnx has 1 outputs [out0]; the contract needs 2 (mean, logvar");
  }

  @Test
  void import_missingFile_exitsNonZeroNamingIt() throws IOException {
    Path decoder = Files.write(work.resolve("dec.onnx"), linear("z", LATENT, D, 1, 17, -1));

    Run result = importInto(work.resolve("nowhere.onnx"), decoder, "linear");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("cannot read").contains("nowhere.onnx");
  }

  /**
   * A model of {@code heads} linear maps x W_h + b_h from one input [batch, in] (batch fixed when
   * {@code batch} > 0) to outputs out0, out1, ... [batch, out], seeded random weights.
   */
  private static byte[] linear(String input, int in, int out, int heads, int opset, long batch) {
    SplittableRandom random = new SplittableRandom(in * 31L + out);
    OnnxMl.GraphProto.Builder graph =
        OnnxMl.GraphProto.newBuilder().setName("linear").addInput(valueInfo(input, batch, in));
    for (int h = 0; h < heads; h++) {
      String w = "w" + h;
      String b = "b" + h;
      graph.addInitializer(tensor(w, random, 0.5, in, out));
      graph.addInitializer(tensor(b, random, 0.1, out));
      graph.addNode(node("MatMul", List.of(input, w), "mm" + h));
      graph.addNode(node("Add", List.of("mm" + h, b), "out" + h));
      graph.addOutput(valueInfo("out" + h, -1, out));
    }
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("test")
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(opset))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  private static OnnxMl.TensorProto tensor(
      String name, SplittableRandom random, double scale, int... dims) {
    OnnxMl.TensorProto.Builder t =
        OnnxMl.TensorProto.newBuilder()
            .setName(name)
            .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
    int count = 1;
    for (int d : dims) {
      t.addDims(d);
      count *= d;
    }
    for (int i = 0; i < count; i++) {
      t.addFloatData((float) (scale * (2 * random.nextDouble() - 1)));
    }
    return t.build();
  }

  private static OnnxMl.NodeProto node(String op, List<String> inputs, String output) {
    return OnnxMl.NodeProto.newBuilder()
        .setOpType(op)
        .addAllInput(inputs)
        .addOutput(output)
        .build();
  }

  private static OnnxMl.ValueInfoProto valueInfo(String name, long batch, long width) {
    OnnxMl.TensorShapeProto.Dimension.Builder first =
        OnnxMl.TensorShapeProto.Dimension.newBuilder();
    if (batch > 0) {
      first.setDimValue(batch);
    } else {
      first.setDimParam("batch");
    }
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(
                            OnnxMl.TensorShapeProto.newBuilder()
                                .addDim(first)
                                .addDim(
                                    OnnxMl.TensorShapeProto.Dimension.newBuilder()
                                        .setDimValue(width)))))
        .build();
  }
}
