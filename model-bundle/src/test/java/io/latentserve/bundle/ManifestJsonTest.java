package io.latentserve.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentserve.model.LogPartition;
import io.latentserve.model.Prior;
import io.latentserve.model.VaeArchitecture;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SHA =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  private static Manifest withDigests(VaeArchitecture architecture) {
    Manifest m = TestBundles.manifest(architecture);
    return new Manifest(
        m.formatVersion(),
        m.architecture(),
        m.graphs(),
        m.provenance(),
        Map.of("encoder.onnx", SHA, "decoder.onnx", SHA.replace('0', 'f')));
  }

  static Stream<VaeArchitecture> architectures() {
    return Stream.of(
        VaeArchitecture.iwaeOneLayer(),
        VaeArchitecture.iwaeTwoLayer(),
        TestBundles.linearGaussian(),
        VaeArchitecture.iwaeTwoLayer().withConditionDim(10),
        VaeArchitecture.sigmoidBeliefNet(784, 200, 200),
        VaeArchitecture.sigmoidBeliefNet(784, 200).withConditionDim(10),
        learnedVariance().withLikelihoodMinVariance(1e-3));
  }

  private static VaeArchitecture learnedVariance() {
    return new VaeArchitecture(
        12,
        java.util.List.of(new io.latentserve.model.StochasticLayer("z1", 3, java.util.List.of(5))),
        io.latentserve.model.Activation.TANH,
        io.latentserve.model.LikelihoodFamily.GAUSSIAN_LEARNED,
        0);
  }

  @Test
  void write_varianceFloor_recordsItAndOmitsItWithout() throws Exception {
    JsonNode floored =
        MAPPER.readTree(
            ManifestJson.write(withDigests(learnedVariance().withLikelihoodMinVariance(0.01))));
    JsonNode plain = MAPPER.readTree(ManifestJson.write(withDigests(learnedVariance())));

    assertThat(floored.get("likelihood").get("minVariance").doubleValue()).isEqualTo(0.01);
    assertThat(plain.get("likelihood").has("minVariance")).isFalse();
    assertThat(ManifestJson.read(plain.toString()).architecture().likelihoodMinVariance()).isZero();
  }

  @Test
  void read_varianceFloorOfABernoulliLikelihood_namesTheField() throws Exception {
    ObjectNode json =
        (ObjectNode)
            MAPPER.readTree(ManifestJson.write(withDigests(VaeArchitecture.iwaeOneLayer())));
    ((ObjectNode) json.get("likelihood")).put("minVariance", 0.01);

    assertThatThrownBy(() -> ManifestJson.read(json.toString()))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("likelihood.minVariance");
  }

  @Test
  void write_bernoulliLayers_recordsFamiliesAndPrior() throws Exception {
    JsonNode json =
        MAPPER.readTree(
            ManifestJson.write(withDigests(VaeArchitecture.sigmoidBeliefNet(784, 200, 100))));

    assertThat(json.get("latentLayers").toString())
        .isEqualTo(
            "[{\"name\":\"z1\",\"dim\":200,\"family\":\"bernoulli\",\"hidden\":[]},"
                + "{\"name\":\"z2\",\"dim\":100,\"family\":\"bernoulli\",\"hidden\":[]}]");
    assertThat(json.get("prior").textValue()).isEqualTo("learned");
  }

  @Test
  void rbmPrior_roundTripsItsHalvesAndLogZ_andIsRequired() throws Exception {
    VaeArchitecture architecture = VaeArchitecture.sigmoidBeliefNet(784, 200).withPrior(Prior.RBM);
    Manifest plain = TestBundles.manifest(VaeArchitecture.sigmoidBeliefNet(784, 200));
    LogPartition logZ = new LogPartition(150.25, 0.03, LogPartition.AIS, 1000, 1024, 9);
    Manifest manifest =
        new Manifest(
            plain.formatVersion(),
            architecture,
            plain.graphs(),
            plain.provenance(),
            Map.of("encoder.onnx", SHA),
            logZ);

    String text = ManifestJson.write(manifest);
    JsonNode json = MAPPER.readTree(text);
    assertThat(json.get("prior").textValue()).isEqualTo("rbm");
    assertThat(json.get("rbmPrior").get("n1").intValue()).isEqualTo(100);
    assertThat(json.get("rbmPrior").get("n2").intValue()).isEqualTo(100);
    Manifest read = ManifestJson.read(text);
    assertThat(read.logPartition()).isEqualTo(logZ);
    assertThat(read.architecture().prior()).isSameAs(Prior.RBM);

    ObjectNode missing = (ObjectNode) MAPPER.readTree(text);
    missing.remove("rbmPrior");
    assertThatThrownBy(() -> ManifestJson.read(MAPPER.writeValueAsString(missing)))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("rbmPrior");
    ObjectNode wrongHalf = (ObjectNode) MAPPER.readTree(text);
    ((ObjectNode) wrongHalf.get("rbmPrior")).put("n1", 99);
    assertThatThrownBy(() -> ManifestJson.read(MAPPER.writeValueAsString(wrongHalf)))
        .hasMessageContaining("rbmPrior.n1: expected 100, got 99");
  }

  @Test
  void read_withoutPrior_takesTheTopFamilysDefault() throws Exception {
    ObjectNode json =
        (ObjectNode)
            MAPPER.readTree(
                ManifestJson.write(withDigests(VaeArchitecture.sigmoidBeliefNet(784, 200))));
    json.remove("prior");

    Manifest read = ManifestJson.read(MAPPER.writeValueAsString(json));

    assertThat(read.architecture().prior()).isEqualTo(Prior.LEARNED);
  }

  @Test
  void write_conditional_recordsConditionDimAndReadsItBack() throws Exception {
    Manifest manifest = withDigests(VaeArchitecture.iwaeOneLayer().withConditionDim(10));

    String text = ManifestJson.write(manifest);

    assertThat(MAPPER.readTree(text).get("conditionDim").intValue()).isEqualTo(10);
    assertThat(ManifestJson.read(text).architecture().conditionDim()).isEqualTo(10);
  }

  @Test
  void write_unconditional_omitsConditionDim() throws Exception {
    String text = ManifestJson.write(withDigests(VaeArchitecture.iwaeOneLayer()));

    assertThat(MAPPER.readTree(text).has("conditionDim")).isFalse();
  }

  @Test
  void read_withoutConditionDim_isUnconditional() throws Exception {
    ObjectNode json =
        (ObjectNode)
            MAPPER.readTree(
                ManifestJson.write(
                    withDigests(VaeArchitecture.iwaeOneLayer().withConditionDim(10))));
    json.remove("conditionDim");
    json.remove("prior");
    json.set(
        "graphs",
        MAPPER
            .readTree(ManifestJson.write(withDigests(VaeArchitecture.iwaeOneLayer())))
            .get("graphs"));

    Manifest read = ManifestJson.read(MAPPER.writeValueAsString(json));

    assertThat(read.architecture().conditionDim()).isZero();
    assertThat(read.architecture().conditional()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("architectures")
  void write_thenRead_returnsEqualManifest(VaeArchitecture architecture) {
    Manifest manifest = withDigests(architecture);

    Manifest read = ManifestJson.read(ManifestJson.write(manifest));

    assertThat(read).isEqualTo(manifest);
  }

  @Test
  void write_thenRead_keepsNonFiniteMetrics() {
    Provenance p = TestBundles.provenance();
    Provenance diverged =
        new Provenance(
            p.specJson(),
            p.dataset(),
            -7,
            0,
            Map.of("loss", Double.NaN, "bound", Double.NEGATIVE_INFINITY, "x", 1e300),
            p.codeVersion(),
            p.created());
    Manifest m = TestBundles.manifest(VaeArchitecture.iwaeOneLayer());
    Manifest manifest =
        new Manifest(m.formatVersion(), m.architecture(), m.graphs(), diverged, Map.of());

    Manifest read = ManifestJson.read(ManifestJson.write(manifest));

    assertThat(read).isEqualTo(manifest);
    assertThat(read.provenance().finalMetrics().get("loss")).isNaN();
  }

  @Test
  void write_jobBundle_recordsTheJobIdAndReadsItBack() throws Exception {
    Provenance p = TestBundles.provenance();
    Provenance fromJob =
        new Provenance(
            p.specJson(),
            p.dataset(),
            p.seed(),
            p.epochs(),
            p.finalMetrics(),
            p.codeVersion(),
            p.created(),
            "job-42",
            "alice");
    Manifest m = TestBundles.manifest(VaeArchitecture.iwaeOneLayer());
    Manifest manifest =
        new Manifest(m.formatVersion(), m.architecture(), m.graphs(), fromJob, Map.of());

    String text = ManifestJson.write(manifest);

    assertThat(MAPPER.readTree(text).get("provenance").get("jobId").textValue())
        .isEqualTo("job-42");
    assertThat(ManifestJson.read(text).provenance().jobId()).isEqualTo("job-42");
    assertThat(MAPPER.readTree(ManifestJson.write(m)).get("provenance").has("jobId"))
        .as("a bundle written outside a job has no jobId, as before")
        .isFalse();
    assertThat(ManifestJson.read(ManifestJson.write(m)).provenance().jobId()).isEmpty();
  }

  @Test
  void write_twice_givesIdenticalText() {
    Manifest manifest = withDigests(VaeArchitecture.iwaeTwoLayer());

    assertThat(ManifestJson.write(manifest))
        .isEqualTo(ManifestJson.write(ManifestJson.read(ManifestJson.write(manifest))));
  }

  @Test
  void write_oneLayer_usesTheDocumentedSchema() throws Exception {
    JsonNode json =
        MAPPER.readTree(ManifestJson.write(withDigests(VaeArchitecture.iwaeOneLayer())));

    assertThat(json.get("formatVersion").intValue()).isEqualTo(1);
    assertThat(json.get("inputShape").toString()).isEqualTo("[784]");
    assertThat(json.get("likelihood").toString())
        .isEqualTo("{\"family\":\"bernoulli\",\"sigma\":0.0}");
    assertThat(json.get("activation").textValue()).isEqualTo("tanh");
    assertThat(json.get("latentLayers").toString())
        .isEqualTo("[{\"name\":\"z1\",\"dim\":50,\"family\":\"gaussian\",\"hidden\":[200,200]}]");
    assertThat(json.get("graphs").fieldNames())
        .toIterable()
        .containsExactly("encoder", "decoder", "log_joint", "log_posterior", "log_weights");
    assertThat(json.at("/graphs/encoder/file").textValue()).isEqualTo("encoder.onnx");
    assertThat(json.at("/graphs/encoder/inputs/0").toString())
        .isEqualTo("{\"name\":\"x\",\"shape\":[-1,784]}");
    assertThat(json.at("/graphs/log_weights/inputs/1/shape").toString()).isEqualTo("[-1,-1,50]");
    JsonNode provenance = json.get("provenance");
    assertThat(provenance.fieldNames())
        .toIterable()
        .containsExactly(
            "specJson", "dataset", "seed", "epochs", "finalMetrics", "codeVersion", "created");
    assertThat(provenance.get("created").textValue()).isEqualTo("2025-03-01T12:34:56.789Z");
    assertThat(provenance.get("finalMetrics").fieldNames())
        .toIterable()
        .containsExactly("elbo", "iwae_bound");
    assertThat(json.get("sha256").fieldNames())
        .toIterable()
        .containsExactly("decoder.onnx", "encoder.onnx");
  }

  /** A change to the JSON of a valid manifest, and what the error message must contain. */
  static Stream<Arguments> badManifests() {
    return Stream.of(
        bad("format version 2", set("", "formatVersion", 2), "formatVersion: expected 1, got 2"),
        bad(
            "format version as text",
            set("", "formatVersion", "1"),
            "formatVersion: expected 1, got \"1\""),
        bad(
            "missing provenance seed",
            remove("provenance", "seed"),
            "provenance.seed: required, got none"),
        bad("missing sha256", remove("", "sha256"), "sha256: required"),
        bad("missing graphs", remove("", "graphs"), "graphs: required"),
        bad(
            "unknown prior",
            json -> json.put("prior", "boltzmann"),
            "prior: expected one of [standard_normal, conditional, learned, rbm], got \"boltzmann\""),
        bad(
            "prior that does not suit the top layer",
            json -> json.put("prior", "conditional"),
            "the conditional prior needs a conditional model (conditionDim > 0)"),
        bad(
            "two input dimensions",
            json -> ((ArrayNode) json.get("inputShape")).add(2),
            "inputShape: expected an array of one integer [D], got [784,2]"),
        bad(
            "zero input size",
            json -> ((ArrayNode) json.get("inputShape")).set(0, 0),
            "inputShape[0]: expected an integer > 0, got 0"),
        bad(
            "unknown likelihood",
            set("likelihood", "family", "poisson"),
            "likelihood.family: expected one of [bernoulli, gaussian_fixed, gaussian_learned],"
                + " got \"poisson\""),
        bad(
            "sigma for bernoulli",
            set("likelihood", "sigma", 0.5),
            "likelihood.sigma: expected 0 for bernoulli, got 0.5"),
        bad(
            "fixed gaussian without sigma",
            set("likelihood", "family", "gaussian_fixed"),
            "likelihood.sigma: expected a finite number > 0 for gaussian_fixed, got 0.0"),
        bad(
            "unknown activation",
            set("", "activation", "sigmoid"),
            "activation: expected one of [tanh, relu], got \"sigmoid\""),
        bad(
            "negative latent size",
            json -> ((ObjectNode) json.at("/latentLayers/0")).put("dim", -3),
            "latentLayers[0].dim: expected an integer > 0, got -3"),
        bad(
            "fractional latent size",
            json -> ((ObjectNode) json.at("/latentLayers/0")).put("dim", 2.5),
            "latentLayers[0].dim: expected an integer > 0, got 2.5"),
        bad(
            "bernoulli latent layer",
            json -> ((ObjectNode) json.at("/latentLayers/0")).put("family", "poisson"),
            "latentLayers[0].family: expected one of [gaussian, bernoulli], got \"poisson\""),
        bad(
            "repeated layer name",
            json -> ((ObjectNode) json.at("/latentLayers/1")).put("name", "z1"),
            "latentLayers[1].name: expected a name distinct from the layers before, got \"z1\""),
        bad(
            "no latent layers",
            json -> ((ArrayNode) json.get("latentLayers")).removeAll(),
            "latentLayers: expected a non-empty array of latent layers, got []"),
        bad(
            "zero dimension",
            json -> ((ArrayNode) json.at("/graphs/encoder/inputs/0/shape")).set(1, 0),
            "graphs.encoder.inputs[0].shape[1]: expected a dimension of -1 (dynamic) or > 0, got 0"),
        bad(
            "unknown graph role",
            json -> ((ObjectNode) json.get("graphs")).putObject("sampler"),
            "graphs: expected keys among [encoder, decoder, log_joint, log_posterior,"
                + " log_weights], got \"sampler\""),
        bad(
            "graph file outside the folder",
            json -> ((ObjectNode) json.at("/graphs/decoder")).put("file", "../decoder.onnx"),
            "graphs.decoder.file: expected a file name matching [a-z0-9_]+.onnx, got"
                + " \"../decoder.onnx\""),
        bad(
            "created not a date",
            set("provenance", "created", "yesterday"),
            "provenance.created: expected an ISO-8601 instant such as 2025-01-31T12:00:00Z, got"
                + " \"yesterday\""),
        bad(
            "negative epochs",
            set("provenance", "epochs", -1),
            "provenance.epochs: expected an integer in [0, 2147483647], got -1"),
        bad(
            "metric as text",
            json -> ((ObjectNode) json.at("/provenance/finalMetrics")).put("elbo", "high"),
            "provenance.finalMetrics.elbo: expected a number, \"NaN\", \"Infinity\" or"
                + " \"-Infinity\", got \"high\""),
        bad(
            "upper-case digest",
            set("sha256", "encoder.onnx", SHA.toUpperCase(java.util.Locale.ROOT)),
            "sha256.encoder.onnx: expected 64 lower-case hex digits, got \"0123"),
        bad(
            "negative condition dimension",
            set("", "conditionDim", -1),
            "conditionDim: expected an integer >= 0, got -1"),
        bad(
            "condition dimension as text",
            set("", "conditionDim", "10"),
            "conditionDim: expected an integer >= 0, got \"10\""),
        bad(
            "digest of a file outside the folder",
            set("sha256", "../etc/passwd", SHA),
            "sha256: expected file names of 1-128 characters of [a-z0-9._-]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badManifests")
  void read_badField_throwsNamingFieldExpectedAndActual(
      String description, Consumer<ObjectNode> change, String message) throws Exception {
    ObjectNode json =
        (ObjectNode)
            MAPPER.readTree(ManifestJson.write(withDigests(VaeArchitecture.iwaeTwoLayer())));
    change.accept(json);
    String text = MAPPER.writeValueAsString(json);

    assertThatThrownBy(() -> ManifestJson.read(text))
        .isInstanceOf(BundleException.class)
        .hasMessageStartingWith("manifest field ")
        .hasMessageContaining(message);
  }

  @Test
  void read_notJson_throwsBundleException() {
    assertThatThrownBy(() -> ManifestJson.read("{\"formatVersion\": 1,"))
        .isInstanceOf(BundleException.class)
        .hasMessageStartingWith("manifest is not valid JSON");
  }

  @Test
  void read_duplicateKey_throwsBundleException() {
    String text =
        ManifestJson.write(withDigests(VaeArchitecture.iwaeOneLayer()))
            .replaceFirst("\\{", "{\"activation\": \"relu\",");

    assertThatThrownBy(() -> ManifestJson.read(text))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("activation");
  }

  @Test
  void read_array_throwsNamingTheRoot() {
    assertThatThrownBy(() -> ManifestJson.read("[1]"))
        .isInstanceOf(BundleException.class)
        .hasMessage("manifest field (root): expected a JSON object, got [1]");
  }

  private static Arguments bad(String description, Consumer<ObjectNode> change, String message) {
    return Arguments.of(description, change, message);
  }

  private static Consumer<ObjectNode> set(String object, String field, Object value) {
    return json -> {
      ObjectNode target = object.isEmpty() ? json : (ObjectNode) json.get(object);
      target.set(field, MAPPER.valueToTree(value));
    };
  }

  private static Consumer<ObjectNode> remove(String object, String field) {
    return json -> {
      ObjectNode target = object.isEmpty() ? json : (ObjectNode) json.get(object);
      assertThat(target.remove(field)).isNotNull();
    };
  }
}
