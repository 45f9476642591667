package io.latentserve.bundle.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.GraphSpec;
import io.latentserve.bundle.StandardGraphSpecs;
import io.latentserve.bundle.TensorSpec;
import io.latentserve.model.Activation;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.Dense;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.Prior;
import io.latentserve.model.RbmPartition;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity of the exported graphs, run in ONNX Runtime (CPU), with {@link ReferenceVae}.
 *
 * <p>Relative error is measured per element as {@code |onnx - reference| / max(1, |reference|)} and
 * must stay within 1e-5 for every output of every graph: an absolute error for values below 1
 * (probabilities, small log variances), a relative one for large log densities (a 784-pixel log
 * likelihood is several hundred nats).
 */
class VaeOnnxExporterTest {
  private static final double TOLERANCE = 1e-5;
  private static final long WEIGHT_SEED = 7;
  private static final long DATA_SEED = 11;
  private static final int N = 3;
  private static final int K = 4;

  private static final Map<VaeArchitecture, VaeWeights> WEIGHTS = new ConcurrentHashMap<>();
  private static final Map<VaeArchitecture, ExportedGraphs> EXPORTS = new ConcurrentHashMap<>();

  private static OrtEnvironment environment;
  private static OrtSession.SessionOptions options;

  @BeforeAll
  static void startOnnxRuntime() throws OrtException {
    environment = OrtEnvironment.getEnvironment();
    options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
  }

  @AfterAll
  static void closeOptions() {
    options.close();
  }

  static Stream<Named<VaeArchitecture>> architectures() {
    return Stream.of(
        Named.of("iwaeOneLayer", VaeArchitecture.iwaeOneLayer()),
        Named.of("iwaeTwoLayer", VaeArchitecture.iwaeTwoLayer()),
        Named.of("rbmOneLayer", VaeArchitecture.sigmoidBeliefNet(20, 9).withPrior(Prior.RBM)),
        Named.of(
            "rbmTwoLayerNonlinear",
            new VaeArchitecture(
                20,
                List.of(
                    new StochasticLayer("z1", 6, List.of(16), LatentFamily.BERNOULLI),
                    new StochasticLayer("z2", 4, List.of(8), LatentFamily.BERNOULLI)),
                Activation.TANH,
                LikelihoodFamily.BERNOULLI,
                0,
                0,
                Prior.RBM)),
        Named.of(
            "reluTwoLayerBernoulli",
            new VaeArchitecture(
                20,
                List.of(
                    new StochasticLayer("z1", 8, List.of(32, 16)),
                    new StochasticLayer("z2", 4, List.of(12))),
                Activation.RELU,
                LikelihoodFamily.BERNOULLI,
                0)),
        Named.of(
            "tanhGaussianLearned",
            new VaeArchitecture(
                12,
                List.of(
                    new StochasticLayer("y", 5, List.of(10)),
                    new StochasticLayer("top", 3, List.of())),
                Activation.TANH,
                LikelihoodFamily.GAUSSIAN_LEARNED,
                0)),
        Named.of("tanhGaussianLearnedFloored", floored()),
        Named.of("tanhGaussianLearnedFlooredConditional", floored().withConditionDim(2)),
        Named.of(
            "linearGaussianFixed",
            new VaeArchitecture(
                10,
                List.of(new StochasticLayer("z1", 3, List.of())),
                Activation.TANH,
                LikelihoodFamily.GAUSSIAN_FIXED,
                0.3)),
        Named.of("iwaeOneLayerConditional", VaeArchitecture.iwaeOneLayer().withConditionDim(10)),
        Named.of(
            "reluTwoLayerBernoulliConditional",
            new VaeArchitecture(
                20,
                List.of(
                    new StochasticLayer("z1", 8, List.of(32, 16)),
                    new StochasticLayer("z2", 4, List.of(12))),
                Activation.RELU,
                LikelihoodFamily.BERNOULLI,
                0,
                3)),
        Named.of(
            "tanhGaussianLearnedConditional",
            new VaeArchitecture(
                12,
                List.of(
                    new StochasticLayer("y", 5, List.of(10)),
                    new StochasticLayer("top", 3, List.of())),
                Activation.TANH,
                LikelihoodFamily.GAUSSIAN_LEARNED,
                0,
                2)),
        Named.of(
            "linearGaussianFixedConditional",
            new VaeArchitecture(
                10,
                List.of(new StochasticLayer("z1", 3, List.of())),
                Activation.TANH,
                LikelihoodFamily.GAUSSIAN_FIXED,
                0.3,
                4)),
        Named.of("sigmoidBeliefNetTwoLayer", VaeArchitecture.sigmoidBeliefNet(20, 8, 4)),
        Named.of(
            "sigmoidBeliefNetConditional",
            VaeArchitecture.sigmoidBeliefNet(20, 6).withConditionDim(3)),
        Named.of(
            "gaussianBelowBernoulliTop",
            new VaeArchitecture(
                20,
                List.of(
                    new StochasticLayer("z1", 8, List.of(16), LatentFamily.GAUSSIAN),
                    new StochasticLayer("z2", 5, List.of(12), LatentFamily.BERNOULLI)),
                Activation.TANH,
                LikelihoodFamily.BERNOULLI,
                0)),
        Named.of(
            "bernoulliBelowGaussianTop",
            new VaeArchitecture(
                12,
                List.of(
                    new StochasticLayer("z1", 6, List.of(10), LatentFamily.BERNOULLI),
                    new StochasticLayer("z2", 3, List.of(), LatentFamily.GAUSSIAN)),
                Activation.RELU,
                LikelihoodFamily.GAUSSIAN_LEARNED,
                0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void export_anyArchitecture_declaresStandardSpecsAndMetadata(VaeArchitecture architecture)
      throws Exception {
    ExportedGraphs exported = exported(architecture);

    assertThat(exported.specs()).isEqualTo(StandardGraphSpecs.forArchitecture(architecture));
    assertThat(exported.models()).containsOnlyKeys(GraphRole.values());
    for (GraphRole role : GraphRole.values()) {
      GraphSpec spec = exported.specs().get(role);
      OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(exported.model(role));
      assertThat(model.getProducerName()).isEqualTo("latentserve");
      assertThat(model.getOpsetImportList())
          .singleElement()
          .satisfies(opset -> assertThat(opset.getVersion()).isEqualTo(13));
      assertThat(model.getGraph().getDocString()).isNotBlank();
      assertThat(model.getMetadataPropsList())
          .anySatisfy(
              p -> {
                assertThat(p.getKey()).isEqualTo(VaeOnnxExporter.METADATA_ROLE);
                assertThat(p.getValue()).isEqualTo(role.name());
              });
      try (OrtSession session = session(architecture, role)) {
        assertThat(session.getInputInfo().keySet())
            .as("%s inputs", role)
            .containsExactlyElementsOf(names(spec.inputs()));
        assertThat(session.getOutputInfo().keySet())
            .as("%s outputs", role)
            .containsExactlyElementsOf(names(spec.outputs()));
        for (TensorSpec input : spec.inputs()) {
          TensorInfo info = (TensorInfo) session.getInputInfo().get(input.name()).getInfo();
          assertThat(info.getShape()).as("%s shape", input.name()).containsExactly(shape(input));
        }
        for (TensorSpec output : spec.outputs()) {
          TensorInfo info = (TensorInfo) session.getOutputInfo().get(output.name()).getInfo();
          assertThat(info.getShape()).as("%s shape", output.name()).containsExactly(shape(output));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void export_sameWeightsTwice_givesIdenticalBytes(VaeArchitecture architecture) {
    ExportedGraphs again = VaeOnnxExporter.export(weights(architecture));

    assertThat(again).isEqualTo(exported(architecture));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void encoderGraph_seededInputs_matchesReference(VaeArchitecture architecture) throws Exception {
    FloatTensor x = data(architecture, N);
    FloatTensor y = condition(architecture, N);
    List<FloatTensor> eps = noise(architecture, N, 1, CounterNoise.Stream.LATENT, false);
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.X, x);
    putCondition(inputs, y);
    putPerLayer(inputs, architecture, GraphNames::eps, eps);

    Map<String, FloatTensor> onnx = run(architecture, GraphRole.ENCODER, inputs);

    ReferenceVae.Encoding expected = reference(architecture).encode(x, y, eps);
    for (int l = 0; l < architecture.layerCount(); l++) {
      String name = architecture.layer(l).name();
      ReferenceVae.LayerSample layer = expected.layers().get(l);
      for (String parameter : layer.family().parameterNames()) {
        String output = GraphNames.parameter(name, parameter);
        assertClose(onnx.get(output), layer.parameter(parameter), output);
      }
      assertClose(onnx.get(GraphNames.sample(name)), layer.sample(), GraphNames.sample(name));
    }
  }

  /**
   * A learned-variance Gaussian likelihood whose variance floor of 1 (log variance 0) binds for
   * about half the features: the raw log variances of these random weights straddle 0.
   */
  private static VaeArchitecture floored() {
    return new VaeArchitecture(
            12,
            List.of(
                new StochasticLayer("y", 5, List.of(10)), new StochasticLayer("top", 3, List.of())),
            Activation.TANH,
            LikelihoodFamily.GAUSSIAN_LEARNED,
            0)
        .withLikelihoodMinVariance(1.0);
  }

  /**
   * The floored architectures above test the floor only where it binds: the decoder's x_logvar is
   * the unfloored graph's where that is above log 1 = 0, and exactly 0 where it is below, for some
   * features of each kind.
   */
  @Test
  void decoderGraph_varianceFloor_holdsTheLogVarianceAtItsLogWhereItBinds() throws Exception {
    VaeArchitecture floored = floored();
    VaeArchitecture plain = floored.withLikelihoodMinVariance(0);
    List<FloatTensor> latents = latents(floored, N);
    List<FloatTensor> eps =
        noise(floored, N, 1, CounterNoise.Stream.LATENT, false)
            .subList(0, floored.layerCount() - 1);
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.sample(floored.top().name()), latents.get(latents.size() - 1));
    inputs.put(GraphNames.eps(floored.layer(0).name()), eps.get(0));

    float[] held = run(floored, GraphRole.DECODER, inputs).get(GraphNames.X_LOGVAR).data();
    float[] raw = run(plain, GraphRole.DECODER, inputs).get(GraphNames.X_LOGVAR).data();

    int bound = 0;
    for (int i = 0; i < raw.length; i++) {
      assertThat(held[i]).isEqualTo(Math.max(raw[i], 0f));
      bound += raw[i] < 0 ? 1 : 0;
    }
    assertThat(bound).as("features where the floor binds").isBetween(1, raw.length - 1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void decoderGraph_seededInputs_matchesReference(VaeArchitecture architecture) throws Exception {
    List<FloatTensor> latents = latents(architecture, N);
    FloatTensor top = latents.get(latents.size() - 1);
    List<FloatTensor> eps =
        noise(architecture, N, 1, CounterNoise.Stream.LATENT, false)
            .subList(0, architecture.layerCount() - 1);
    FloatTensor y = condition(architecture, N);
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.sample(architecture.top().name()), top);
    putCondition(inputs, y);
    for (int l = 0; l < eps.size(); l++) {
      inputs.put(GraphNames.eps(architecture.layer(l).name()), eps.get(l));
    }

    Map<String, FloatTensor> onnx = run(architecture, GraphRole.DECODER, inputs);

    ReferenceVae.Decoding expected = reference(architecture).decode(top, y, eps);
    if (architecture.prior().hasWeights()) {
      String name = architecture.top().name();
      ReferenceVae.LayerParameters prior = reference(architecture).topPrior(N, y);
      for (String parameter : prior.family().parameterNames()) {
        String output = GraphNames.priorParameter(name, parameter);
        assertClose(onnx.get(output), prior.parameter(parameter), output);
      }
    }
    assertClose(onnx.get(GraphNames.X_MEAN), expected.xMean(), GraphNames.X_MEAN);
    if (architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED) {
      assertClose(onnx.get(GraphNames.X_LOGVAR), expected.xLogVariance(), GraphNames.X_LOGVAR);
    }
    for (int l = 0; l < eps.size(); l++) {
      String name = architecture.layer(l).name();
      ReferenceVae.LayerSample layer = expected.layersBelowTop().get(l);
      for (String parameter : layer.family().parameterNames()) {
        String output = GraphNames.priorParameter(name, parameter);
        assertClose(onnx.get(output), layer.parameter(parameter), output);
      }
      assertClose(onnx.get(GraphNames.sample(name)), layer.sample(), GraphNames.sample(name));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void logJointGraph_seededInputs_matchesReference(VaeArchitecture architecture) throws Exception {
    FloatTensor x = data(architecture, N);
    FloatTensor y = condition(architecture, N);
    List<FloatTensor> z = latents(architecture, N);

    Map<String, FloatTensor> onnx =
        run(architecture, GraphRole.LOG_JOINT, dataAndSamples(architecture, x, y, z));

    ReferenceVae.LogJoint expected = reference(architecture).logJoint(x, y, z);
    assertClose(onnx.get(GraphNames.LOG_PX_Z), expected.logPxGivenZ(), GraphNames.LOG_PX_Z);
    assertClose(onnx.get(GraphNames.LOG_PZ), expected.logPz(), GraphNames.LOG_PZ);
    for (int l = 0; l < architecture.layerCount(); l++) {
      String name = GraphNames.logPrior(architecture.layer(l).name());
      assertClose(onnx.get(name), expected.logPriors().get(l), name);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void logPosteriorGraph_seededInputs_matchesReference(VaeArchitecture architecture)
      throws Exception {
    FloatTensor x = data(architecture, N);
    FloatTensor y = condition(architecture, N);
    List<FloatTensor> z = latents(architecture, N);

    Map<String, FloatTensor> onnx =
        run(architecture, GraphRole.LOG_POSTERIOR, dataAndSamples(architecture, x, y, z));

    ReferenceVae.LogPosterior expected = reference(architecture).logPosterior(x, y, z);
    assertClose(onnx.get(GraphNames.LOG_QZ), expected.logQz(), GraphNames.LOG_QZ);
    for (int l = 0; l < architecture.layerCount(); l++) {
      String name = GraphNames.logPosterior(architecture.layer(l).name());
      assertClose(onnx.get(name), expected.logPosteriors().get(l), name);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void logWeightsGraph_seededInputs_matchesReference(VaeArchitecture architecture)
      throws Exception {
    FloatTensor x = data(architecture, N);
    FloatTensor y = condition(architecture, N);
    List<FloatTensor> eps = noise(architecture, N, K, CounterNoise.Stream.LATENT, true);

    Map<String, FloatTensor> onnx =
        run(architecture, GraphRole.LOG_WEIGHTS, dataAndNoise(architecture, x, y, eps));

    ReferenceVae.LogWeights expected = reference(architecture).logWeights(x, y, eps);
    assertClose(onnx.get(GraphNames.LOG_W), expected.logW(), GraphNames.LOG_W);
    assertClose(onnx.get(GraphNames.LOG_PX_Z), expected.logPxGivenZ(), GraphNames.LOG_PX_Z);
    assertClose(onnx.get(GraphNames.LOG_PZ), expected.logPz(), GraphNames.LOG_PZ);
    assertClose(onnx.get(GraphNames.LOG_QZ), expected.logQz(), GraphNames.LOG_QZ);
  }

  /**
   * Runs the encoder on every (example, sample) pair of the log-weights noise and evaluates the
   * log-joint and log-posterior graphs at those samples: their difference is log w.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void logWeightsGraph_encoderSamples_equalsLogJointMinusLogPosterior(VaeArchitecture architecture)
      throws Exception {
    FloatTensor x = data(architecture, N);
    FloatTensor y = condition(architecture, N);
    List<FloatTensor> eps = noise(architecture, N, K, CounterNoise.Stream.LATENT, true);
    Map<String, FloatTensor> weights =
        run(architecture, GraphRole.LOG_WEIGHTS, dataAndNoise(architecture, x, y, eps));

    FloatTensor xRepeated = repeatRows(x, K);
    FloatTensor yRepeated = y == null ? null : repeatRows(y, K);
    List<FloatTensor> flatEps =
        eps.stream().map(e -> FloatTensor.of(e.data(), (long) N * K, e.dim(2))).toList();
    Map<String, FloatTensor> encoderInputs = new LinkedHashMap<>();
    encoderInputs.put(GraphNames.X, xRepeated);
    putCondition(encoderInputs, yRepeated);
    putPerLayer(encoderInputs, architecture, GraphNames::eps, flatEps);
    Map<String, FloatTensor> encoded = run(architecture, GraphRole.ENCODER, encoderInputs);
    List<FloatTensor> z = samples(architecture, encoded);
    Map<String, FloatTensor> joint =
        run(
            architecture,
            GraphRole.LOG_JOINT,
            dataAndSamples(architecture, xRepeated, yRepeated, z));
    Map<String, FloatTensor> posterior =
        run(
            architecture,
            GraphRole.LOG_POSTERIOR,
            dataAndSamples(architecture, xRepeated, yRepeated, z));

    double[] logPx = doubles(joint.get(GraphNames.LOG_PX_Z));
    double[] logPz = doubles(joint.get(GraphNames.LOG_PZ));
    double[] logQz = doubles(posterior.get(GraphNames.LOG_QZ));
    double[] logW = new double[N * K];
    for (int i = 0; i < logW.length; i++) {
      logW[i] = logPx[i] + logPz[i] - logQz[i];
    }
    long[] nk = {N, K};
    assertClose(weights.get(GraphNames.LOG_PX_Z), nk, logPx, "log_px_z vs LOG_JOINT");
    assertClose(weights.get(GraphNames.LOG_PZ), nk, logPz, "log_pz vs LOG_JOINT");
    assertClose(weights.get(GraphNames.LOG_QZ), nk, logQz, "log_qz vs LOG_POSTERIOR");
    assertClose(weights.get(GraphNames.LOG_W), nk, logW, "log_w vs LOG_JOINT - LOG_POSTERIOR");
  }

  /** With K = 1, log w is the single-sample ELBO estimate log p(x|z) + log p(z) - log q(z|x). */
  @ParameterizedTest(name = "{0}")
  @MethodSource("architectures")
  void logWeightsGraph_oneSample_equalsSingleSampleElbo(VaeArchitecture architecture)
      throws Exception {
    FloatTensor x = data(architecture, N);
    FloatTensor y = condition(architecture, N);
    List<FloatTensor> eps = noise(architecture, N, 1, CounterNoise.Stream.LATENT, true);
    Map<String, FloatTensor> weights =
        run(architecture, GraphRole.LOG_WEIGHTS, dataAndNoise(architecture, x, y, eps));

    Map<String, FloatTensor> encoderInputs = new LinkedHashMap<>();
    encoderInputs.put(GraphNames.X, x);
    putCondition(encoderInputs, y);
    putPerLayer(
        encoderInputs,
        architecture,
        GraphNames::eps,
        eps.stream().map(e -> FloatTensor.of(e.data(), N, e.dim(2))).toList());
    List<FloatTensor> z =
        samples(architecture, run(architecture, GraphRole.ENCODER, encoderInputs));
    Map<String, FloatTensor> joint =
        run(architecture, GraphRole.LOG_JOINT, dataAndSamples(architecture, x, y, z));
    Map<String, FloatTensor> posterior =
        run(architecture, GraphRole.LOG_POSTERIOR, dataAndSamples(architecture, x, y, z));

    double[] elbo = new double[N];
    double[] logPx = doubles(joint.get(GraphNames.LOG_PX_Z));
    double[] logPz = doubles(joint.get(GraphNames.LOG_PZ));
    double[] logQz = doubles(posterior.get(GraphNames.LOG_QZ));
    for (int i = 0; i < N; i++) {
      elbo[i] = logPx[i] + logPz[i] - logQz[i];
    }
    assertClose(weights.get(GraphNames.LOG_W), new long[] {N, 1}, elbo, "K=1 log_w vs ELBO");
  }

  /** Logits of +-800 overflow exp(l) in float32; the stable softplus keeps log p(x|z) exact. */
  @Test
  void logJointGraph_extremeBernoulliLogits_staysFiniteAndExact() throws Exception {
    VaeArchitecture architecture =
        new VaeArchitecture(
            2,
            List.of(new StochasticLayer("z1", 1, List.of())),
            Activation.RELU,
            LikelihoodFamily.BERNOULLI,
            0);
    GaussianMlp decoder =
        new GaussianMlp(
            List.of(), new Dense(1, 2, new float[] {0, 0}, new float[] {800, -800}), null);
    VaeWeights weights =
        new VaeWeights(
            architecture, VaeWeights.random(architecture, 1).encoders(), List.of(decoder));
    WEIGHTS.put(architecture, weights);
    FloatTensor x = FloatTensor.of(new float[] {1, 0, 0, 1}, 2, 2);
    FloatTensor z = FloatTensor.of(new float[] {0.3f, -0.7f}, 2, 1);

    Map<String, FloatTensor> onnx =
        run(architecture, GraphRole.LOG_JOINT, dataAndSamples(architecture, x, null, List.of(z)));

    assertThat(onnx.get(GraphNames.LOG_PX_Z).data()).containsExactly(0f, -1600f);
  }

  /** The fused graph takes the same stable form on [N*K, D] samples: no overflow, exact sums. */
  @Test
  void logWeightsGraph_extremeBernoulliLogits_staysFiniteAndExact() throws Exception {
    VaeArchitecture architecture =
        new VaeArchitecture(
            2,
            List.of(new StochasticLayer("z1", 1, List.of())),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    GaussianMlp decoder =
        new GaussianMlp(
            List.of(), new Dense(1, 2, new float[] {0, 0}, new float[] {800, -800}), null);
    WEIGHTS.put(
        architecture,
        new VaeWeights(
            architecture, VaeWeights.random(architecture, 1).encoders(), List.of(decoder)));
    FloatTensor x = FloatTensor.of(new float[] {1, 0, 0, 1}, 2, 2);
    FloatTensor eps = FloatTensor.of(new float[] {0.5f, -1, 2, 0, 1, -0.25f}, 2, 3, 1);

    Map<String, FloatTensor> onnx =
        run(architecture, GraphRole.LOG_WEIGHTS, dataAndNoise(architecture, x, null, List.of(eps)));

    assertThat(onnx.get(GraphNames.LOG_PX_Z).shape()).containsExactly(2, 3);
    assertThat(onnx.get(GraphNames.LOG_PX_Z).data())
        .containsExactly(0f, 0f, 0f, -1600f, -1600f, -1600f);
  }

  @Test
  void logGroupSize_features_largestDivisorKeepingTheGroupCountAligned() {
    assertThat(BernoulliOnnx.logGroupSize(784)).isEqualTo(49); // 16 groups
    assertThat(BernoulliOnnx.logGroupSize(20)).isEqualTo(5); // 4 groups
    assertThat(BernoulliOnnx.logGroupSize(10)).isEqualTo(5); // 2 groups
    assertThat(BernoulliOnnx.logGroupSize(15)).isEqualTo(15);
    assertThat(BernoulliOnnx.logGroupSize(4096)).isEqualTo(64);
    assertThat(BernoulliOnnx.logGroupSize(67)).isEqualTo(1); // prime above the limit
    assertThat(BernoulliOnnx.logGroupSize(1)).isEqualTo(1);
  }

  @Test
  void rbmPrior_parametersReadBackFromTheLogJointGraph() {
    VaeArchitecture architecture = VaeArchitecture.sigmoidBeliefNet(20, 9).withPrior(Prior.RBM);
    VaeWeights w = weights(architecture);
    assertThat(
            RbmInitializers.read(
                exported(architecture).model(GraphRole.LOG_JOINT), architecture.rbmFirstHalf()))
        .isEqualTo(w.rbm());
  }

  // ---- helpers ----

  private static VaeWeights weights(VaeArchitecture architecture) {
    return WEIGHTS.computeIfAbsent(
        architecture,
        a -> {
          VaeWeights w = VaeWeights.random(a, WEIGHT_SEED);
          return w.rbm() == null ? w : w.withLogPartition(RbmPartition.exact(w.rbm()));
        });
  }

  private static ExportedGraphs exported(VaeArchitecture architecture) {
    return EXPORTS.computeIfAbsent(architecture, a -> VaeOnnxExporter.export(weights(a)));
  }

  private static ReferenceVae reference(VaeArchitecture architecture) {
    return new ReferenceVae(weights(architecture));
  }

  private static OrtSession session(VaeArchitecture architecture, GraphRole role)
      throws OrtException {
    return environment.createSession(exported(architecture).model(role), options);
  }

  /** Runs one graph and returns every output by name. */
  private static Map<String, FloatTensor> run(
      VaeArchitecture architecture, GraphRole role, Map<String, FloatTensor> inputs)
      throws OrtException {
    Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
    try (OrtSession session = session(architecture, role)) {
      for (Map.Entry<String, FloatTensor> e : inputs.entrySet()) {
        tensors.put(
            e.getKey(),
            OnnxTensor.createTensor(
                environment, FloatBuffer.wrap(e.getValue().data()), e.getValue().shape()));
      }
      Map<String, FloatTensor> outputs = new LinkedHashMap<>();
      try (OrtSession.Result result = session.run(tensors)) {
        for (Map.Entry<String, OnnxValue> e : result) {
          OnnxTensor tensor = (OnnxTensor) e.getValue();
          FloatBuffer buffer = tensor.getFloatBuffer();
          float[] data = new float[buffer.remaining()];
          buffer.get(data);
          outputs.put(e.getKey(), FloatTensor.of(data, tensor.getInfo().getShape()));
        }
      }
      return outputs;
    } finally {
      tensors.values().forEach(OnnxTensor::close);
    }
  }

  /** x [n, D]: binary pixels for a Bernoulli likelihood, else uniform in [0, 1). */
  private static FloatTensor data(VaeArchitecture architecture, int n) {
    int d = architecture.inputDim();
    float[] x = new float[n * d];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(DATA_SEED, CounterNoise.Stream.BINARIZATION, i);
      for (int j = 0; j < d; j++) {
        double u = CounterNoise.uniform(key, j);
        x[i * d + j] =
            architecture.likelihood() == LikelihoodFamily.BERNOULLI
                ? (u < 0.5 ? 1f : 0f)
                : (float) u;
      }
    }
    return FloatTensor.of(x, n, d);
  }

  /**
   * Standard-normal tensors per layer, [n, d_l] or [n, k, d_l], laid out as in {@link
   * CounterNoise}: sample s of latent coordinate c of a row is index s * totalLatentDim + offset +
   * c.
   */
  private static List<FloatTensor> noise(
      VaeArchitecture architecture, int n, int k, CounterNoise.Stream stream, boolean perSample) {
    int total = architecture.layers().stream().mapToInt(StochasticLayer::latentDim).sum();
    List<FloatTensor> out = new ArrayList<>();
    int offset = 0;
    for (StochasticLayer layer : architecture.layers()) {
      int d = layer.latentDim();
      float[] values = new float[n * k * d];
      for (int i = 0; i < n; i++) {
        long key = CounterNoise.rowKey(DATA_SEED, stream, i);
        for (int s = 0; s < k; s++) {
          layer.family().noise().fill(key, (long) s * total + offset, values, (i * k + s) * d, d);
        }
      }
      out.add(perSample ? FloatTensor.of(values, n, k, d) : FloatTensor.of(values, n, d));
      offset += d;
    }
    return out;
  }

  /**
   * Latent values z [n, d_l] per layer in each layer's support: Gaussian draws, and for Bernoulli
   * layers the signs of logistic draws as 0 or 1.
   */
  private static List<FloatTensor> latents(VaeArchitecture architecture, int n) {
    List<FloatTensor> out = new ArrayList<>();
    for (FloatTensor values : noise(architecture, n, 1, CounterNoise.Stream.PRIOR, false)) {
      out.add(values);
    }
    for (int l = 0; l < architecture.layerCount(); l++) {
      if (architecture.family(l) == LatentFamily.BERNOULLI) {
        float[] v = out.get(l).copyData();
        for (int i = 0; i < v.length; i++) {
          v[i] = v[i] > 0 ? 1 : 0;
        }
        out.set(l, FloatTensor.of(v, out.get(l).shape()));
      }
    }
    return out;
  }

  /**
   * The condition y [n, C] of a conditional architecture, null for an unconditional one: one-hot
   * rows (class i mod C), except the last, which holds arbitrary values in [-1, 1), as any finite y
   * is valid.
   */
  private static FloatTensor condition(VaeArchitecture architecture, int n) {
    if (!architecture.conditional()) {
      return null;
    }
    int c = architecture.conditionDim();
    float[] y = new float[n * c];
    for (int i = 0; i < n - 1; i++) {
      y[i * c + i % c] = 1;
    }
    long key = CounterNoise.rowKey(DATA_SEED, CounterNoise.Stream.OBSERVATION, n - 1);
    for (int j = 0; j < c; j++) {
      y[(n - 1) * c + j] = (float) (2 * CounterNoise.uniform(key, j) - 1);
    }
    return FloatTensor.of(y, n, c);
  }

  private static void putCondition(Map<String, FloatTensor> inputs, FloatTensor condition) {
    if (condition != null) {
      inputs.put(GraphNames.CONDITION, condition);
    }
  }

  private static Map<String, FloatTensor> dataAndSamples(
      VaeArchitecture architecture, FloatTensor x, FloatTensor y, List<FloatTensor> z) {
    return dataAnd(architecture, x, y, z, GraphNames::sample);
  }

  private static Map<String, FloatTensor> dataAndNoise(
      VaeArchitecture architecture, FloatTensor x, FloatTensor y, List<FloatTensor> eps) {
    return dataAnd(architecture, x, y, eps, GraphNames::eps);
  }

  private static Map<String, FloatTensor> dataAnd(
      VaeArchitecture architecture,
      FloatTensor x,
      FloatTensor y,
      List<FloatTensor> perLayer,
      UnaryOperator<String> name) {
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.X, x);
    putCondition(inputs, y);
    putPerLayer(inputs, architecture, name, perLayer);
    return inputs;
  }

  private static void putPerLayer(
      Map<String, FloatTensor> inputs,
      VaeArchitecture architecture,
      UnaryOperator<String> name,
      List<FloatTensor> perLayer) {
    for (int l = 0; l < perLayer.size(); l++) {
      inputs.put(name.apply(architecture.layer(l).name()), perLayer.get(l));
    }
  }

  private static List<FloatTensor> samples(
      VaeArchitecture architecture, Map<String, FloatTensor> encoded) {
    return architecture.layers().stream()
        .map(layer -> encoded.get(GraphNames.sample(layer.name())))
        .toList();
  }

  private static FloatTensor repeatRows(FloatTensor x, int times) {
    int width = x.rowSize();
    int n = (int) x.dim(0);
    float[] out = new float[n * times * width];
    for (int i = 0; i < n; i++) {
      for (int s = 0; s < times; s++) {
        System.arraycopy(x.data(), i * width, out, (i * times + s) * width, width);
      }
    }
    return FloatTensor.of(out, (long) n * times, width);
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }

  private static long[] shape(TensorSpec spec) {
    return spec.shape().stream().mapToLong(Long::longValue).toArray();
  }

  private static double[] doubles(FloatTensor t) {
    double[] out = new double[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.data()[i];
    }
    return out;
  }

  private static void assertClose(FloatTensor actual, FloatTensor expected, String what) {
    assertClose(actual, expected.shape(), doubles(expected), what);
  }

  private static void assertClose(FloatTensor actual, double[] expected, String what) {
    assertClose(actual, new long[] {expected.length}, expected, what);
  }

  private static void assertClose(FloatTensor actual, double[][] expected, String what) {
    double[] flat = Arrays.stream(expected).flatMapToDouble(Arrays::stream).toArray();
    assertClose(actual, new long[] {expected.length, expected[0].length}, flat, what);
  }

  /** Max over elements of |actual - expected| / max(1, |expected|) must be <= 1e-5. */
  private static void assertClose(
      FloatTensor actual, long[] expectedShape, double[] expected, String what) {
    assertThat(actual).as("%s is missing", what).isNotNull();
    assertThat(actual.shape()).as("%s shape", what).containsExactly(expectedShape);
    double worst = 0;
    int worstIndex = 0;
    for (int i = 0; i < expected.length; i++) {
      double error = Math.abs(actual.data()[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
      if (!(error <= worst)) {
        worst = error;
        worstIndex = i;
      }
    }
    assertThat(worst)
        .as(
            "%s: max |onnx - reference| / max(1, |reference|), worst at element %d (onnx %s,"
                + " reference %s)",
            what, worstIndex, actual.data()[worstIndex], expected[worstIndex])
        .isLessThanOrEqualTo(TOLERANCE);
  }
}
