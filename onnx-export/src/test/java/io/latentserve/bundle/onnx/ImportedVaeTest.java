package io.latentserve.bundle.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.StandardGraphSpecs;
import io.latentserve.model.Activation;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bundle import of networks written outside latentserve ({@link OutsideGraphs}: plain ONNX
 * protobuf, as PyTorch's exporter writes them). The oracle is {@link ReferenceVae} on the same
 * weights: the composed graphs must compute the IWAE log weights it computes in double precision.
 */
class ImportedVaeTest {
  private static final int D = 12;
  private static final int LATENT = 3;
  private static final int N = 3;
  private static final int K = 5;
  private static final double TOLERANCE = 1e-5;
  private static final OnnxExecutor ORT = new OrtTestExecutor();

  static Stream<Arguments> likelihoodsAndOpsets() {
    return Stream.of(
        Arguments.of(LikelihoodFamily.BERNOULLI, 0.0, 13),
        Arguments.of(LikelihoodFamily.BERNOULLI, 0.0, 18),
        Arguments.of(LikelihoodFamily.GAUSSIAN_FIXED, 0.5, 17),
        Arguments.of(LikelihoodFamily.GAUSSIAN_LEARNED, 0.0, 21));
  }

  private static VaeWeights weights(LikelihoodFamily likelihood, double sigma) {
    VaeArchitecture architecture =
        new VaeArchitecture(
            D,
            List.of(new StochasticLayer("z1", LATENT, List.of(16))),
            Activation.TANH,
            likelihood,
            sigma);
    return VaeWeights.random(architecture, 3);
  }

  private static ImportSpec spec(LikelihoodFamily likelihood, double sigma) {
    return new ImportSpec(
        D,
        "z1",
        LATENT,
        LatentFamily.GAUSSIAN,
        likelihood,
        sigma,
        ImportSpec.Names.positional(),
        ImportSpec.Names.positional());
  }

  @ParameterizedTest
  @MethodSource("likelihoodsAndOpsets")
  void compose_outsideMlp_logWeightsEqualReferenceVaeAndSelfCheckPasses(
      LikelihoodFamily likelihood, double sigma, int opset) {
    VaeWeights weights = weights(likelihood, sigma);
    byte[] encoder = OutsideGraphs.of(weights.encoders().get(0)).opset(opset).bytes();
    byte[] decoder = OutsideGraphs.of(weights.decoders().get(0)).opset(opset).bytes();

    ImportedVae vae =
        ImportedVae.compose(spec(likelihood, sigma), "enc.onnx", encoder, "dec.onnx", decoder);

    assertThat(vae.graphs().specs())
        .isEqualTo(StandardGraphSpecs.forArchitecture(weights.architecture()));
    FloatTensor x = data(likelihood);
    FloatTensor eps = normals(N * K * LATENT, 17, N, K, LATENT);
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.X, x);
    inputs.put(GraphNames.eps("z1"), eps);
    Map<String, FloatTensor> out =
        ORT.run("log_weights", vae.graphs().model(GraphRole.LOG_WEIGHTS), inputs);
    ReferenceVae.LogWeights expected = new ReferenceVae(weights).logWeights(x, List.of(eps));
    assertClose(out.get(GraphNames.LOG_W), expected.logW());
    assertClose(out.get(GraphNames.LOG_PX_Z), expected.logPxGivenZ());
    assertClose(out.get(GraphNames.LOG_QZ), expected.logQz());

    assertThat(ImportSelfCheck.check(vae, encoder, decoder, ORT))
        .isLessThanOrEqualTo(ImportSelfCheck.TOLERANCE);
  }

  /**
   * A Bernoulli latent layer (a one-layer sigmoid belief net with MLP networks) and its factorial
   * prior, whose logits the spec carries: the same weights give the same log weights as {@link
   * ReferenceVae}, with logistic noise as the server draws it.
   */
  @ParameterizedTest
  @MethodSource("likelihoodsAndOpsets")
  void compose_bernoulliLatent_logWeightsEqualReferenceVaeAndSelfCheckPasses(
      LikelihoodFamily likelihood, double sigma, int opset) {
    VaeArchitecture architecture =
        new VaeArchitecture(
            D,
            List.of(new StochasticLayer("z1", LATENT, List.of(16), LatentFamily.BERNOULLI)),
            Activation.TANH,
            likelihood,
            sigma);
    VaeWeights weights = VaeWeights.random(architecture, 4);
    List<Double> priorLogits = new java.util.ArrayList<>();
    for (float logit : weights.prior().heads().get(0).bias()) {
      priorLogits.add((double) logit);
    }
    ImportSpec spec =
        new ImportSpec(
            D,
            "z1",
            LATENT,
            LatentFamily.BERNOULLI,
            likelihood,
            sigma,
            ImportSpec.Names.positional(),
            ImportSpec.Names.positional(),
            priorLogits);
    byte[] encoder = OutsideGraphs.of(weights.encoders().get(0)).opset(opset).bytes();
    byte[] decoder = OutsideGraphs.of(weights.decoders().get(0)).opset(opset).bytes();

    ImportedVae vae = ImportedVae.compose(spec, "enc.onnx", encoder, "dec.onnx", decoder);

    assertThat(vae.graphs().specs()).isEqualTo(StandardGraphSpecs.forArchitecture(architecture));
    FloatTensor x = data(likelihood);
    float[] noise = new float[N * K * LATENT];
    for (int i = 0; i < noise.length; i++) {
      double u = (i * 0.6180339887 + 0.01) % 1.0;
      noise[i] = (float) Math.log(u / (1 - u)); // Logistic(0, 1) quantiles
    }
    FloatTensor eps = FloatTensor.of(noise, N, K, LATENT);
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.X, x);
    inputs.put(GraphNames.eps("z1"), eps);
    Map<String, FloatTensor> out =
        ORT.run("log_weights", vae.graphs().model(GraphRole.LOG_WEIGHTS), inputs);
    ReferenceVae.LogWeights expected = new ReferenceVae(weights).logWeights(x, List.of(eps));
    assertClose(out.get(GraphNames.LOG_W), expected.logW());
    assertClose(out.get(GraphNames.LOG_PZ), expected.logPz());
    assertClose(out.get(GraphNames.LOG_QZ), expected.logQz());

    assertThat(ImportSelfCheck.check(vae, encoder, decoder, ORT))
        .isLessThanOrEqualTo(ImportSelfCheck.TOLERANCE);
  }

  @Test
  void compose_namesFromSpec_readsTheNamedInputAndOutputs() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    byte[] encoder =
        OutsideGraphs.of(weights.encoders().get(0))
            .input("pixels")
            .outputs("mu", "log_sigma2")
            .bytes();
    byte[] decoder = OutsideGraphs.of(weights.decoders().get(0)).input("code").bytes();
    ImportSpec spec =
        new ImportSpec(
            D,
            "z1",
            LATENT,
            LatentFamily.GAUSSIAN,
            LikelihoodFamily.BERNOULLI,
            0,
            new ImportSpec.Names("pixels", Map.of("mean", "mu", "logvar", "log_sigma2")),
            new ImportSpec.Names("code", Map.of()));

    ImportedVae vae = ImportedVae.compose(spec, "enc.onnx", encoder, "dec.onnx", decoder);

    assertThat(vae.encoder())
        .isEqualTo(new ImportedVae.Network("pixels", List.of("mu", "log_sigma2")));
    assertThat(ImportSelfCheck.check(vae, encoder, decoder, ORT))
        .isLessThanOrEqualTo(ImportSelfCheck.TOLERANCE);
  }

  @Test
  void compose_namedInputMissing_namesTheInputsFound() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    ImportSpec spec =
        new ImportSpec(
            D,
            "z1",
            LATENT,
            LatentFamily.GAUSSIAN,
            LikelihoodFamily.BERNOULLI,
            0,
            new ImportSpec.Names("pixels", Map.of()),
            ImportSpec.Names.positional());

    assertThatThrownBy(() -> compose(spec, OutsideGraphs.of(weights.encoders().get(0)), weights))
        .isInstanceOf(ImportException.class)
        .hasMessage("enc.onnx has no input pixels (named in the spec); its inputs are [x]");
  }

  @Test
  void compose_inputOfRankThree_namesTheRankAndTheExpectedShape() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    OutsideGraphs encoder = OutsideGraphs.of(weights.encoders().get(0)).inputShape(-1L, 3L, 4L);

    assertThatThrownBy(() -> compose(bernoulliSpec(), encoder, weights))
        .isInstanceOf(ImportException.class)
        .hasMessage(
            "enc.onnx input x has rank 3 [batch, 3, 4]; the contract needs rank 2 [batch, 12]"
                + " (flatten inside the network)");
  }

  @Test
  void compose_inputOfWrongWidth_namesBothWidths() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    OutsideGraphs encoder = OutsideGraphs.of(weights.encoders().get(0)).inputShape(-1L, 10L);

    assertThatThrownBy(() -> compose(bernoulliSpec(), encoder, weights))
        .hasMessage("enc.onnx input x has shape [batch, 10]; the contract needs [batch, 12]");
  }

  @Test
  void compose_fixedBatch_asksForADynamicBatchAxis() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    OutsideGraphs encoder = OutsideGraphs.of(weights.encoders().get(0)).fixedBatch(1);

    assertThatThrownBy(() -> compose(bernoulliSpec(), encoder, weights))
        .hasMessageStartingWith(
            "enc.onnx input x has the fixed batch size 1; the contract needs a dynamic batch axis");
  }

  @Test
  void compose_encoderWithThreeOutputs_namesTheCountAndTheParameters() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    OutsideGraphs encoder = OutsideGraphs.of(weights.encoders().get(0)).outputs("a", "b", "c");

    assertThatThrownBy(() -> compose(bernoulliSpec(), encoder, weights))
        .hasMessage(
            "enc.onnx has 3 outputs [a, b, c]; the contract needs 2 (mean, logvar, in that"
                + " order), or their names in the spec's outputs");
  }

  @Test
  void compose_operatorOfAnotherDomain_namesNodeAndDomain() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    OutsideGraphs encoder =
        OutsideGraphs.of(weights.encoders().get(0)).extraNode("com.example", "FancyOp");

    assertThatThrownBy(() -> compose(bernoulliSpec(), encoder, weights))
        .hasMessage(
            "enc.onnx node 'extra0' uses operator com.example:FancyOp is in domain com.example;"
                + " bundle import supports the standard operators of the default ONNX domain"
                + " only");
  }

  @Test
  void compose_unknownOperator_isRefused() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    OutsideGraphs encoder = OutsideGraphs.of(weights.encoders().get(0)).extraNode("", "Fancy");

    assertThatThrownBy(() -> compose(bernoulliSpec(), encoder, weights))
        .hasMessage(
            "enc.onnx node 'extra0' uses operator Fancy is not a standard ONNX operator;"
                + " bundle import supports those only");
  }

  @Test
  void compose_randomOperator_isRefusedBecauseLatentserveDrawsTheNoise() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    OutsideGraphs decoder =
        OutsideGraphs.of(weights.decoders().get(0)).extraNode("", "RandomNormalLike");

    assertThatThrownBy(
            () ->
                ImportedVae.compose(
                    bernoulliSpec(),
                    "enc.onnx",
                    OutsideGraphs.of(weights.encoders().get(0)).bytes(),
                    "dec.onnx",
                    decoder.bytes()))
        .hasMessageStartingWith(
            "dec.onnx node 'extra0' uses operator RandomNormalLike is not supported in an"
                + " imported network");
  }

  @Test
  void compose_opsetTooOldOrTooNew_namesTheOpsetAndTheRange() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    for (int opset : new int[] {11, 22}) {
      OutsideGraphs encoder = OutsideGraphs.of(weights.encoders().get(0)).opset(opset);
      assertThatThrownBy(() -> compose(bernoulliSpec(), encoder, weights))
          .hasMessageStartingWith(
              "enc.onnx uses opset "
                  + opset
                  + " of the default ONNX domain; bundle import"
                  + " accepts opsets 13 to 21");
    }
  }

  @Test
  void compose_differentOpsets_asksForOne() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    OutsideGraphs encoder = OutsideGraphs.of(weights.encoders().get(0)).opset(13);

    assertThatThrownBy(() -> compose(bernoulliSpec(), encoder, weights))
        .hasMessage(
            "enc.onnx uses opset 13 and dec.onnx opset 17; export both with the same"
                + " opset_version");
  }

  @Test
  void compose_notAnOnnxModel_saysSo() {
    assertThatThrownBy(
            () ->
                ImportedVae.compose(
                    bernoulliSpec(), "enc.onnx", new byte[] {1, 2, 3}, "dec.onnx", new byte[0]))
        .hasMessageStartingWith("enc.onnx is not an ONNX model");
  }

  /**
   * A decoder whose output is narrower than the spec says, left undeclared in the graph: only
   * running it shows it, and the self-check does.
   */
  @Test
  void selfCheck_undeclaredOutputOfWrongWidth_failsNamingTheShape() {
    VaeWeights weights = weights(LikelihoodFamily.BERNOULLI, 0);
    VaeWeights narrow =
        VaeWeights.random(
            new VaeArchitecture(
                D - 1,
                List.of(new StochasticLayer("z1", LATENT, List.of(16))),
                Activation.TANH,
                LikelihoodFamily.BERNOULLI,
                0),
            3);
    byte[] encoder = OutsideGraphs.of(weights.encoders().get(0)).bytes();
    byte[] decoder = OutsideGraphs.of(narrow.decoders().get(0)).undeclaredOutputShapes().bytes();
    ImportedVae vae =
        ImportedVae.compose(bernoulliSpec(), "enc.onnx", encoder, "dec.onnx", decoder);

    assertThatThrownBy(() -> ImportSelfCheck.check(vae, encoder, decoder, ORT))
        .isInstanceOf(ImportException.class)
        .hasMessage(
            "the imported decoder output out0 has shape [4, 11] for an input of 4 rows; the"
                + " contract needs [4, 12]");
  }

  @Test
  void spec_fromJson_readsEveryField() {
    ImportSpec spec =
        ImportSpec.fromJson(
            "{\"inputDim\": 784, \"latent\": {\"name\": \"z\", \"dim\": 20},"
                + " \"likelihood\": \"gaussian_fixed\", \"likelihoodSigma\": 0.25,"
                + " \"encoder\": {\"input\": \"x\", \"outputs\": {\"mean\": \"mu\", \"logvar\":"
                + " \"lv\"}}}");

    assertThat(spec)
        .isEqualTo(
            new ImportSpec(
                784,
                "z",
                20,
                LatentFamily.GAUSSIAN,
                LikelihoodFamily.GAUSSIAN_FIXED,
                0.25,
                new ImportSpec.Names("x", Map.of("mean", "mu", "logvar", "lv")),
                ImportSpec.Names.positional()));
  }

  @Test
  void spec_fromJson_unknownKeyOrMissingPriorLogits_isRefusedByName() {
    assertThatThrownBy(
            () ->
                ImportSpec.fromJson(
                    "{\"inputDim\": 4, \"latent\": {\"dim\": 2}, \"likelihood\": \"bernoulli\","
                        + " \"likelyhood\": 1}"))
        .hasMessageStartingWith("spec has unknown keys [likelyhood]");
    assertThatThrownBy(
            () ->
                ImportSpec.fromJson(
                    "{\"inputDim\": 4, \"latent\": {\"dim\": 2, \"family\": \"bernoulli\"},"
                        + " \"likelihood\": \"bernoulli\"}"))
        .hasMessage(
            "spec latent.priorLogits: a bernoulli layer of 2 units needs one prior logit per unit"
                + " (or one number for all), got 0");
    assertThat(
            ImportSpec.fromJson(
                    "{\"inputDim\": 4, \"latent\": {\"dim\": 2, \"family\": \"bernoulli\","
                        + " \"priorLogits\": -1.5}, \"likelihood\": \"bernoulli\"}")
                .priorLogits())
        .containsExactly(-1.5, -1.5);
    assertThatThrownBy(
            () ->
                ImportSpec.fromJson(
                    "{\"inputDim\": 4, \"latent\": {\"dim\": 2}, \"likelihood\":"
                        + " \"gaussian_fixed\"}"))
        .hasMessage("spec likelihood gaussian_fixed needs likelihoodSigma (> 0)");
  }

  private static ImportSpec bernoulliSpec() {
    return spec(LikelihoodFamily.BERNOULLI, 0);
  }

  private static ImportedVae compose(ImportSpec spec, OutsideGraphs encoder, VaeWeights weights) {
    return ImportedVae.compose(
        spec,
        "enc.onnx",
        encoder.bytes(),
        "dec.onnx",
        OutsideGraphs.of(weights.decoders().get(0)).bytes());
  }

  private static FloatTensor data(LikelihoodFamily likelihood) {
    SplittableRandom random = new SplittableRandom(5);
    float[] x = new float[N * D];
    for (int i = 0; i < x.length; i++) {
      double u = random.nextDouble();
      x[i] = likelihood == LikelihoodFamily.BERNOULLI ? (u < 0.4 ? 1f : 0f) : (float) u;
    }
    return FloatTensor.of(x, N, D);
  }

  private static FloatTensor normals(int count, long seed, long... shape) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] out = new float[count];
    for (int i = 0; i < count; i++) {
      out[i] =
          (float)
              (Math.sqrt(-2 * Math.log(1 - random.nextDouble()))
                  * Math.cos(2 * Math.PI * random.nextDouble()));
    }
    return FloatTensor.of(out, shape);
  }

  /** Max over elements of |actual - expected| / max(1, |expected|) must be <= 1e-5. */
  private static void assertClose(FloatTensor actual, double[][] expected) {
    assertThat(actual.shape()).containsExactly(expected.length, expected[0].length);
    for (int i = 0; i < expected.length; i++) {
      for (int s = 0; s < expected[i].length; s++) {
        double e = expected[i][s];
        double a = actual.data()[i * expected[i].length + s];
        assertThat(Math.abs(a - e) / Math.max(1, Math.abs(e)))
            .as("[%d, %d]: %s against %s", i, s, a, e)
            .isLessThanOrEqualTo(TOLERANCE);
      }
    }
  }
}
