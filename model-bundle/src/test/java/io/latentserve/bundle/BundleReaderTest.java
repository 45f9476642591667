package io.latentserve.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.model.VaeArchitecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleReaderTest {
  private static final VaeArchitecture ONE_LAYER = VaeArchitecture.iwaeOneLayer();
  private static final VaeArchitecture TWO_LAYERS = VaeArchitecture.iwaeTwoLayer();

  @TempDir Path dir;

  @Test
  void read_validBundle_returnsManifestAsWritten() throws IOException {
    Manifest written =
        TestBundles.writeFolder(dir, TestBundles.manifest(TWO_LAYERS), TestBundles.graphFiles(1));

    Bundle bundle = BundleReader.read("mnist", 3, dir);

    assertThat(bundle.modelName()).isEqualTo("mnist");
    assertThat(bundle.version()).isEqualTo(3);
    assertThat(bundle.manifest()).isEqualTo(written);
    assertThat(bundle.graphFile(GraphRole.DECODER)).isEqualTo(dir.resolve("decoder.onnx"));
  }

  @Test
  void read_noManifest_throwsNotFound() throws IOException {
    Files.write(dir.resolve("encoder.onnx"), new byte[] {1, 2});

    assertThatThrownBy(() -> BundleReader.read("mnist", 3, dir))
        .isInstanceOf(BundleNotFoundException.class)
        .hasMessage("bundle mnist/3 has no manifest.json: it is not published");
  }

  @Test
  void read_oneByteTampered_reportsBothDigests() throws IOException {
    Map<String, byte[]> files = TestBundles.graphFiles(2);
    Manifest written = TestBundles.writeFolder(dir, TestBundles.manifest(ONE_LAYER), files);
    byte[] tampered = files.get("log_weights.onnx").clone();
    tampered[100] ^= 1;
    Files.write(dir.resolve("log_weights.onnx"), tampered);

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage(
            "bundle mnist/1: log_weights.onnx sha256 is "
                + BundleFiles.sha256(tampered)
                + ", manifest says "
                + written.sha256().get("log_weights.onnx"));
  }

  @Test
  void read_listedFileMissing_throwsNamingFile() throws IOException {
    TestBundles.writeFolder(dir, TestBundles.manifest(ONE_LAYER), TestBundles.graphFiles(3));
    Files.delete(dir.resolve("decoder.onnx"));

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage("bundle mnist/1: decoder.onnx is missing");
  }

  @Test
  void read_graphRoleMissing_throwsNamingRole() throws IOException {
    Map<String, byte[]> files = new TreeMap<>(TestBundles.graphFiles(4));
    files.remove("log_weights.onnx");
    TestBundles.writeFolder(
        dir, TestBundles.manifestWithGraph(ONE_LAYER, GraphRole.LOG_WEIGHTS, g -> null), files);

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage("bundle mnist/1: manifest has no log_weights graph");
  }

  @Test
  void read_graphFileWithoutDigest_throwsNamingFile() throws IOException {
    Map<String, byte[]> files = new TreeMap<>(TestBundles.graphFiles(5));
    files.remove("log_joint.onnx");
    TestBundles.writeFolder(dir, TestBundles.manifest(ONE_LAYER), files);

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage(
            "bundle mnist/1: manifest lists no sha256 for log_joint.onnx (log_joint graph)");
  }

  @Test
  void read_unknownFormatVersion_throwsNamingField() throws IOException {
    TestBundles.writeFolder(dir, TestBundles.manifest(ONE_LAYER), TestBundles.graphFiles(6));
    Path manifest = dir.resolve(Manifest.FILE_NAME);
    Files.writeString(
        manifest,
        Files.readString(manifest).replace("\"formatVersion\" : 1", "\"formatVersion\" : 7"));

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage("bundle mnist/1: manifest field formatVersion: expected 1, got 7");
  }

  @Test
  void read_encoderNoiseOfWrongWidth_throwsNamingBothShapes() throws IOException {
    Manifest manifest =
        TestBundles.manifestWithGraph(
            TWO_LAYERS,
            GraphRole.ENCODER,
            g ->
                TestBundles.replaceInput(g, "eps_z2", new TensorSpec("eps_z2", List.of(-1L, 49L))));
    TestBundles.writeFolder(dir, manifest, TestBundles.graphFiles(7));

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage(
            "bundle mnist/1: encoder graph input eps_z2 has shape [-1, 49], the architecture needs"
                + " [-1, 50]");
  }

  @Test
  void read_logWeightsNoiseWithoutSampleAxis_throws() throws IOException {
    Manifest manifest =
        TestBundles.manifestWithGraph(
            ONE_LAYER,
            GraphRole.LOG_WEIGHTS,
            g ->
                TestBundles.replaceInput(g, "eps_z1", new TensorSpec("eps_z1", List.of(-1L, 50L))));
    TestBundles.writeFolder(dir, manifest, TestBundles.graphFiles(8));

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage(
            "bundle mnist/1: log_weights graph input eps_z1 has shape [-1, 50], the architecture"
                + " needs [-1, -1, 50]");
  }

  @Test
  void read_fixedInputWidthOfWrongSize_throws() throws IOException {
    Manifest manifest =
        TestBundles.manifestWithGraph(
            ONE_LAYER,
            GraphRole.LOG_JOINT,
            g -> TestBundles.replaceInput(g, "x", new TensorSpec("x", List.of(-1L, 783L))));
    TestBundles.writeFolder(dir, manifest, TestBundles.graphFiles(9));

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage(
            "bundle mnist/1: log_joint graph input x has shape [-1, 783], the architecture needs"
                + " [-1, 784]");
  }

  @Test
  void read_decoderOutputMissing_throwsNamingOutput() throws IOException {
    Manifest manifest =
        TestBundles.manifestWithGraph(
            TWO_LAYERS,
            GraphRole.DECODER,
            g -> TestBundles.replaceOutput(g, "z1_prior_logvar", null));
    TestBundles.writeFolder(dir, manifest, TestBundles.graphFiles(10));

    assertThatThrownBy(() -> BundleReader.read("mnist", 1, dir))
        .isInstanceOf(BundleException.class)
        .hasMessage(
            "bundle mnist/1: decoder graph lacks output z1_prior_logvar with shape [-1, 100]");
  }

  @Test
  void read_extraInput_throwsButExtraOutputIsAccepted() throws IOException {
    Manifest extraOutput =
        TestBundles.manifestWithGraph(
            ONE_LAYER,
            GraphRole.ENCODER,
            g ->
                new GraphSpec(
                    g.file(),
                    g.inputs(),
                    concat(g.outputs(), new TensorSpec("debug", List.of(-1L)))));
    TestBundles.writeFolder(dir.resolve("a"), extraOutput, TestBundles.graphFiles(11));
    Manifest extraInput =
        TestBundles.manifestWithGraph(
            ONE_LAYER,
            GraphRole.ENCODER,
            g ->
                new GraphSpec(
                    g.file(),
                    concat(g.inputs(), new TensorSpec("temperature", List.of(1L))),
                    g.outputs()));
    TestBundles.writeFolder(dir.resolve("b"), extraInput, TestBundles.graphFiles(11));

    assertThat(BundleReader.read("mnist", 1, dir.resolve("a")).manifest().graphs())
        .isEqualTo(extraOutput.graphs());
    assertThatThrownBy(() -> BundleReader.read("mnist", 2, dir.resolve("b")))
        .isInstanceOf(BundleException.class)
        .hasMessage(
            "bundle mnist/2: encoder graph has inputs the architecture does not define:"
                + " [temperature]");
  }

  @Test
  void read_invalidModelName_throwsIllegalArgument() {
    assertThatThrownBy(() -> BundleReader.read("../x", 1, dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"../x\"");
  }

  private static List<TensorSpec> concat(List<TensorSpec> list, TensorSpec extra) {
    return java.util.stream.Stream.concat(list.stream(), java.util.stream.Stream.of(extra))
        .toList();
  }
}
