package io.latentserve.bundle.onnx;

import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.GraphSpec;
import io.latentserve.bundle.StandardGraphSpecs;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LatentserveVersion;
import io.latentserve.model.LogPartition;
import io.latentserve.model.Rbm;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Writes the five ONNX graphs of {@link GraphRole} for a VAE: encoder, decoder, log p(x, z), log
 * q(z|x) and the fused log importance weights of IWAE (Burda, Grosse and Salakhutdinov, 2015).
 *
 * <p>Every graph is float32, opset 13, with the weights as initializers and exactly the inputs and
 * outputs of {@link StandardGraphSpecs#forArchitecture}. Log densities are in nats and summed over
 * the feature or latent axis. The forms are the numerically stable ones: Gaussian densities use the
 * log variance, {@code -0.5 (log 2 pi + logvar + (z - mean)^2 exp(-logvar))}; the Bernoulli log
 * likelihood is {@code x l - softplus(l) = (x l - relu(l)) + log sigmoid(|l|)}, whose terms never
 * cancel and never overflow. {@link io.latentserve.model.ReferenceVae} computes the same quantities
 * in double precision. A learned-variance Gaussian likelihood with a floor ({@link
 * VaeArchitecture#likelihoodMinVariance()}) takes {@code Max(logvar, log min_variance)} as its log
 * variance in every graph that has it (the decoder's {@code x_logvar} output included), as training
 * does.
 *
 * <p>Hierarchical models follow {@link VaeArchitecture}: encoder layer l+1 reads the sample of
 * layer l; decoder layer l maps z_l to p(z_{l-1}|z_l) and decoder layer 1 maps z1 to p(x|z1). In
 * {@link GraphRole#LOG_WEIGHTS} the bottom encoder runs once per example, its output broadcast over
 * the K samples, and everything per sample runs on [N*K, width] matrices: each dense layer is one
 * Gemm with the bias inside, and the per-sample log densities are reshaped to [N, K] at the end.
 *
 * <p>Conditional models (CVAE, Sohn et al. 2015; the CIWAE with K samples) get the input {@code
 * condition} y [N, C] in every graph: each network reads {@code Concat(input, y)} along the feature
 * axis, so that its first dense layer holds the [input width + C, out] weight of {@link
 * VaeWeights}; the top layer's log prior is the Gaussian log density under mu(y), logvar(y) of
 * {@link VaeWeights#prior()}, and the decoder outputs those two as well. In {@link
 * GraphRole#LOG_WEIGHTS} y is broadcast over the K samples of its example (Expand to [N, K, C],
 * viewed as [N*K, C]) before it meets the per-sample matrices.
 *
 * <p>The graphs are shaped for ONNX Runtime's CPU kernels, where the decoder's matrix products
 * should dominate: Gemm, Sigmoid, Tanh and Exp are vectorized, element-wise Log and Softplus are
 * not (about ten times slower per element), so the Bernoulli likelihood takes one Log per {@link
 * #logGroupSize group} of features instead of one per feature.
 */
public final class VaeOnnxExporter {
  /** The {@code producer_name} of every exported model. */
  public static final String PRODUCER_NAME = "latentserve";

  /** Metadata key of the graph's {@link GraphRole} name. */
  public static final String METADATA_ROLE = "latentserve.graph_role";

  /** Metadata key of a one-line description of the architecture. */
  public static final String METADATA_ARCHITECTURE = "latentserve.architecture";

  /**
   * Writes every graph of {@code weights}.
   *
   * @return the specs (equal to {@code StandardGraphSpecs.forArchitecture(architecture)}) and the
   *     serialized models, one per {@link GraphRole}
   */
  public static ExportedGraphs export(VaeWeights weights) {
    RbmPrior rbm = null;
    if (weights.architecture().prior().spansAllLayers()) {
      rbm = new RbmPrior(weights.rbm(), weights.requireLogPartition());
    }
    return export(
        weights.architecture(),
        new MlpNetworks(weights),
        rbm,
        OnnxGraphBuilder.OPSET,
        OnnxGraphBuilder.IR_VERSION);
  }

  /** The parameters and log Z of an RBM prior, which the log-density graphs compute. */
  private record RbmPrior(Rbm rbm, LogPartition logPartition) {}

  /**
   * Writes every graph of a model whose networks are {@code networks}: the sampling,
   * reparameterization and log-density nodes around them are the same for every kind of network.
   *
   * @param opset the default-domain opset the graphs declare, >= {@link OnnxGraphBuilder#OPSET}
   * @param irVersion the IR version they declare (at least {@link OnnxGraphBuilder#IR_VERSION})
   */
  static ExportedGraphs export(
      VaeArchitecture architecture, VaeNetworks networks, int opset, long irVersion) {
    if (architecture.prior().spansAllLayers()) {
      throw new IllegalArgumentException(
          "a model with the "
              + architecture.prior().name()
              + " prior is exported from its weights");
    }
    return export(architecture, networks, null, opset, irVersion);
  }

  private static ExportedGraphs export(
      VaeArchitecture architecture, VaeNetworks networks, RbmPrior rbm, int opset, long irVersion) {
    Map<GraphRole, GraphSpec> specs = StandardGraphSpecs.forArchitecture(architecture);
    Map<GraphRole, byte[]> models = new EnumMap<>(GraphRole.class);
    for (GraphRole role : GraphRole.values()) {
      models.put(
          role,
          new GraphWriter(architecture, networks, rbm, role, specs.get(role), opset, irVersion)
              .write());
    }
    return new ExportedGraphs(specs, models);
  }

  /** A one-line description of an architecture, stored in each model's metadata. */
  static String describe(VaeArchitecture architecture) {
    String layers =
        architecture.layers().stream()
            .map(l -> l.name() + ":" + l.family().name() + ":" + l.latentDim() + l.hidden())
            .collect(Collectors.joining(","));
    return "input_dim="
        + architecture.inputDim()
        + " layers="
        + layers.replace(" ", "")
        + " activation="
        + architecture.activation()
        + " likelihood="
        + architecture.likelihood()
        + " likelihood_sigma="
        + architecture.likelihoodSigma()
        + (architecture.likelihoodMinVariance() > 0
            ? " likelihood_min_variance=" + architecture.likelihoodMinVariance()
            : "")
        + " prior="
        + architecture.prior().name()
        + (architecture.conditional() ? " condition_dim=" + architecture.conditionDim() : "");
  }

  /** Builds one graph; a fresh writer per graph. */
  private static final class GraphWriter {
    private final VaeNetworks networks;
    private final RbmPrior rbm;
    private final VaeArchitecture architecture;
    private final GraphRole role;
    private final OnnxGraphBuilder g;

    /** The condition y [rows, C] of the graph's current matrices; null when unconditional. */
    private ONNXRef<?> condition;

    GraphWriter(
        VaeArchitecture architecture,
        VaeNetworks networks,
        RbmPrior rbm,
        GraphRole role,
        GraphSpec spec,
        int opset,
        long irVersion) {
      this.networks = networks;
      this.rbm = rbm;
      this.architecture = architecture;
      this.role = role;
      this.g =
          new OnnxGraphBuilder(
              spec, "latentserve_" + spec.file().replace(".onnx", ""), opset, irVersion);
    }

    byte[] write() {
      String doc =
          switch (role) {
            case ENCODER -> encoder();
            case DECODER -> decoder();
            case LOG_JOINT -> logJoint();
            case LOG_POSTERIOR -> logPosterior();
            case LOG_WEIGHTS -> logWeights();
          };
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(METADATA_ROLE, role.name());
      metadata.put(METADATA_ARCHITECTURE, describe(architecture));
      return g.build(doc, LatentserveVersion.get(), metadata);
    }

    /** The graph input condition [N, C] of a conditional model; null for an unconditional one. */
    private ONNXRef<?> conditionInput() {
      return architecture.conditional() ? g.input(GraphNames.CONDITION) : null;
    }

    /** concat(input, y) along the feature axis; the input itself when unconditional. */
    private ONNXRef<?> conditioned(ONNXRef<?> input, ONNXRef<?> y, String name) {
      return y == null ? input : g.concatColumns(input, y, name + "/with_condition");
    }

    private String encoder() {
      ONNXRef<?> below = g.input(GraphNames.X);
      condition = conditionInput();
      for (int l = 0; l < architecture.layerCount(); l++) {
        String name = architecture.layer(l).name();
        String prefix = "encoder/" + name;
        Heads q = encoder(l, false, conditioned(below, condition, prefix), prefix);
        LatentFamily family = architecture.family(l);
        ONNXRef<?> z =
            OnnxLatentFamily.of(family)
                .sample(g, q.parameters(), g.input(GraphNames.eps(name)), prefix);
        outputParameters(family, q, parameter -> GraphNames.parameter(name, parameter));
        g.output(GraphNames.sample(name), z);
        below = z;
      }
      return "latentserve VAE encoder: x [N,D] and eps [N,d_l] per layer -> the parameters of"
          + " q(z_l|z_{l-1}) in the layer's family (Gaussian mean and log variance, Bernoulli"
          + " logits) and its sample from eps, per layer, bottom-up (float32).";
    }

    private String decoder() {
      int top = architecture.layerCount() - 1;
      ONNXRef<?> z = g.input(GraphNames.sample(architecture.layer(top).name()));
      condition = conditionInput();
      for (int l = top; l > 0; l--) {
        String below = architecture.layer(l - 1).name();
        String prefix = "decoder/" + architecture.layer(l).name();
        Heads p = decoder(l, false, conditioned(z, condition, prefix), prefix);
        LatentFamily family = architecture.family(l - 1);
        ONNXRef<?> zBelow =
            OnnxLatentFamily.of(family)
                .sample(g, p.parameters(), g.input(GraphNames.eps(below)), "decoder/" + below);
        outputParameters(family, p, parameter -> GraphNames.priorParameter(below, parameter));
        g.output(GraphNames.sample(below), zBelow);
        z = zBelow;
      }
      String bottom = "decoder/" + architecture.layer(0).name();
      Heads px =
          likelihoodHeads(decoder(0, false, conditioned(z, condition, bottom), bottom), bottom);
      g.output(GraphNames.X_MEAN, xMean(px));
      if (px.logVariance() != null) {
        g.output(GraphNames.X_LOGVAR, px.logVariance());
      }
      if (architecture.prior().hasWeights()) {
        String topName = architecture.top().name();
        ONNXRef<?> topInput = g.input(GraphNames.sample(topName));
        Heads prior = topPrior(false);
        if (condition == null) {
          // A learned prior's parameters are constants: one row each per row of the top sample.
          ONNXRef<?> rows = g.shapeOf(topInput, "prior/" + topName + "/rows");
          List<ONNXRef<?>> repeated = new ArrayList<>();
          for (int i = 0; i < prior.parameters().size(); i++) {
            repeated.add(
                g.expand(prior.parameters().get(i), rows, "prior/" + topName + "/rows" + i));
          }
          prior = new Heads(repeated);
        }
        outputParameters(
            architecture.top().family(),
            prior,
            parameter -> GraphNames.priorParameter(topName, parameter));
      }
      return "latentserve VAE decoder: the top sample [N,d_L] and eps [N,d_l] per layer below ->"
          + " the parameters of p(z_{l-1}|z_l) in the layer's family and its sample, per layer"
          + " below the top, then the mean of p(x|z1) (Bernoulli probabilities or Gaussian mean)"
          + " [N,D], and the top prior's parameters where it has weights (float32).";
    }

    private String logJoint() {
      ONNXRef<?> x = g.input(GraphNames.X);
      condition = conditionInput();
      List<ONNXRef<?>> z = sampleInputs();
      List<ONNXRef<?>> logPrior = logPriors(z, false);
      ONNXRef<?> logPx = logLikelihood(x, z.get(0));
      g.output(GraphNames.LOG_PX_Z, logPx);
      g.output(GraphNames.LOG_PZ, sum(logPrior, "log_pz"));
      for (int l = 0; l < architecture.layerCount(); l++) {
        g.output(GraphNames.logPrior(architecture.layer(l).name()), logPrior.get(l));
      }
      return "latentserve VAE log joint: x [N,D] and z_l [N,d_l] per layer -> log p(x|z1),"
          + " log p(z) and log p(z_l|z_{l+1}) per layer [N], in nats (float32).";
    }

    private String logPosterior() {
      ONNXRef<?> below = g.input(GraphNames.X);
      condition = conditionInput();
      List<ONNXRef<?>> z = sampleInputs();
      List<ONNXRef<?>> logQ = new ArrayList<>();
      for (int l = 0; l < architecture.layerCount(); l++) {
        String name = architecture.layer(l).name();
        String prefix = "encoder/" + name;
        Heads q = encoder(l, false, conditioned(below, condition, prefix), prefix);
        logQ.add(logDensity(l, z.get(l), q, 2, "log_q/" + name));
        below = z.get(l);
      }
      g.output(GraphNames.LOG_QZ, sum(logQ, "log_qz"));
      for (int l = 0; l < architecture.layerCount(); l++) {
        g.output(GraphNames.logPosterior(architecture.layer(l).name()), logQ.get(l));
      }
      return "latentserve VAE log posterior: x [N,D] and z_l [N,d_l] per layer -> log q(z|x) and"
          + " log q(z_l|z_{l-1}) per layer [N], in nats (float32).";
    }

    /**
     * The fused IWAE graph. The bottom encoder runs once per example on x [N, D]; everything per
     * sample runs on matrices [N*K, width], so that every dense layer is one Gemm with its bias
     * inside, and each per-sample log density is reshaped back to [N, K] at the end.
     */
    private String logWeights() {
      ONNXRef<?> x = g.input(GraphNames.X);
      String bottomName = architecture.layer(0).name();
      ONNXRef<?> bottomEps = g.input(GraphNames.eps(bottomName));
      ONNXRef<?> samples = g.leadingDimensions(bottomEps, 2, "samples_nk");
      ONNXRef<?> perExampleCondition = conditionInput();
      if (perExampleCondition != null) {
        // y [N, C] repeated for each of its example's K samples: [N*K, C], rows in sample order.
        long c = architecture.conditionDim();
        ONNXRef<?> nkc = g.concat(List.of(samples, g.longs(new long[] {c}, "c_width")), "nkc");
        condition =
            g.reshape(
                g.expand(g.unsqueeze(perExampleCondition, 1, "condition_n1"), nkc, "condition_nk"),
                new long[] {-1, c},
                "condition_flat");
      }
      List<ONNXRef<?>> z = new ArrayList<>();
      List<ONNXRef<?>> logQ = new ArrayList<>();
      for (int l = 0; l < architecture.layerCount(); l++) {
        StochasticLayer layer = architecture.layer(l);
        String name = layer.name();
        String prefix = "encoder/" + name;
        ONNXRef<?> eps = g.input(GraphNames.eps(name));
        OnnxLatentFamily family = OnnxLatentFamily.of(layer.family());
        OnnxLatentFamily.Drawn drawn;
        if (l == 0) {
          // q(z1|x, y) depends on the example alone: computed once, broadcast over the K samples.
          Heads q = encoder(l, false, conditioned(x, perExampleCondition, prefix), prefix);
          drawn = family.drawPerExample(g, q.parameters(), eps, layer.latentDim(), prefix);
        } else {
          Heads q = encoder(l, true, conditioned(z.get(l - 1), condition, prefix), prefix);
          ONNXRef<?> epsFlat =
              g.reshape(eps, new long[] {-1, layer.latentDim()}, prefix + "/eps_flat");
          drawn = family.drawPerSample(g, q.parameters(), epsFlat, layer.latentDim(), prefix);
        }
        z.add(drawn.sample());
        logQ.add(drawn.logDensity());
      }
      ONNXRef<?> logPx = logLikelihoodOfSamples(x, z.get(0), samples);
      ONNXRef<?> logPz = perSample(sum(logPriors(z, true), "log_pz"), samples, "log_pz");
      ONNXRef<?> logQz = perSample(sum(logQ, "log_qz"), samples, "log_qz");
      ONNXRef<?> logW = g.sub(g.add(logPx, logPz, "log_pxz"), logQz, "log_w");
      g.output(GraphNames.LOG_W, logW);
      g.output(GraphNames.LOG_PX_Z, logPx);
      g.output(GraphNames.LOG_PZ, logPz);
      g.output(GraphNames.LOG_QZ, logQz);
      return "latentserve VAE log importance weights: x [N,D] and eps [N,K,d_l] per layer -> z ~"
          + " q(z|x) drawn from eps, then log w = log p(x|z) + log p(z) - log q(z|x),"
          + " log p(x|z), log p(z), log q(z|x) [N,K], in nats (float32).";
    }

    /** [N*K] of a [N, K] tensor. */
    private ONNXRef<?> flat(ONNXRef<?> perSample, String name) {
      return g.reshape(perSample, new long[] {-1}, name);
    }

    /** [N, K] of a [N*K] vector, with {@code samples} = [N, K]. */
    private ONNXRef<?> perSample(ONNXRef<?> flat, ONNXRef<?> samples, String name) {
      return g.reshape(flat, samples, name + "/nk");
    }

    /**
     * log p(x|z1) [N, K] of samples z1 [N*K, d_1] of the examples x [N, D]: the decoder runs on the
     * matrix of samples, its output is viewed as [N, K, D] to meet x broadcast over K.
     */
    private ONNXRef<?> logLikelihoodOfSamples(ONNXRef<?> x, ONNXRef<?> z1, ONNXRef<?> samples) {
      String prefix = "decoder/" + architecture.layer(0).name();
      Heads p =
          likelihoodHeads(decoder(0, true, conditioned(z1, condition, prefix), prefix), prefix);
      ONNXRef<?> nkd =
          g.concat(
              List.of(samples, g.longs(new long[] {architecture.inputDim()}, "x_width")),
              "samples_nkd");
      List<ONNXRef<?>> p3 = new ArrayList<>();
      p3.add(g.reshape(p.mean(), nkd, "log_px_z/mean_nkd"));
      if (p.logVariance() != null) {
        p3.add(g.reshape(p.logVariance(), nkd, "log_px_z/logvar_nkd"));
      }
      return logLikelihood(g.unsqueeze(x, 1, "x_nk"), new Heads(p3), 3);
    }

    private List<ONNXRef<?>> sampleInputs() {
      List<ONNXRef<?>> z = new ArrayList<>();
      for (StochasticLayer layer : architecture.layers()) {
        z.add(g.input(GraphNames.sample(layer.name())));
      }
      return z;
    }

    /**
     * log p(z_l|z_{l+1}) per layer, bottom-up, each in layer l's family; for the top layer its
     * {@link io.latentserve.model.Prior}: N(0, I), parameters affine in the graph's {@link
     * #condition} y, or learned constants.
     *
     * @param matrices whether every z_l is a matrix [rows, d_l], so that dense layers are Gemms
     */
    private List<ONNXRef<?>> logPriors(List<ONNXRef<?>> z, boolean matrices) {
      int top = architecture.layerCount() - 1;
      List<ONNXRef<?>> logPrior = new ArrayList<>();
      if (rbm != null) {
        // One joint prior over every layer: the top entry holds it, the layers below hold 0.
        ONNXRef<?> joint = RbmOnnx.logPrior(g, rbm.rbm(), rbm.logPartition(), z, "log_p/rbm");
        for (int l = 0; l < top; l++) {
          logPrior.add(g.mul(joint, 0f, "log_p/" + architecture.layer(l).name()));
        }
        logPrior.add(joint);
        return logPrior;
      }
      for (int l = 0; l < top; l++) {
        String name = architecture.layer(l).name();
        String prefix = "decoder/" + architecture.layer(l + 1).name();
        ONNXRef<?> input = conditioned(z.get(l + 1), condition, prefix);
        Heads p = decoder(l + 1, matrices, input, prefix);
        logPrior.add(logDensity(l, z.get(l), p, 2, "log_p/" + name));
      }
      String topName = "log_p/" + architecture.layer(top).name();
      if (!architecture.prior().hasWeights()) {
        ONNXRef<?> squares = g.mul(z.get(top), z.get(top), topName + "/z2");
        ONNXRef<?> terms = g.add(squares, GaussianOnnx.LOG_2PI, topName + "/terms");
        logPrior.add(g.mul(g.sumLastAxis(terms, topName + "/sum"), -0.5f, topName));
        return logPrior;
      }
      int rank = condition == null ? 1 : 2;
      logPrior.add(logDensity(top, z.get(top), topPrior(matrices), rank, topName));
      return logPrior;
    }

    /**
     * The parameters of the top layer's prior: heads affine in the graph's {@link #condition} y
     * [rows, d_L], or, for a learned prior, its constants [d_L].
     */
    private Heads topPrior(boolean matrices) {
      return new Heads(
          networks.prior(g, condition, matrices, "prior/" + architecture.top().name()));
    }

    /** Layer {@code l}'s encoder network on its (conditioned) input. */
    private Heads encoder(int l, boolean matrix, ONNXRef<?> input, String prefix) {
      return new Heads(networks.encoder(g, l, input, matrix, prefix));
    }

    /** Layer {@code l}'s decoder network on its (conditioned) input. */
    private Heads decoder(int l, boolean matrix, ONNXRef<?> input, String prefix) {
      return new Heads(networks.decoder(g, l, input, matrix, prefix));
    }

    /** log density of layer {@code l}'s sample z under parameters of its family. */
    private ONNXRef<?> logDensity(int l, ONNXRef<?> z, Heads p, int parameterRank, String name) {
      return OnnxLatentFamily.of(architecture.family(l))
          .logDensity(g, z, p.parameters(), architecture.layer(l).latentDim(), parameterRank, name);
    }

    /** Makes each parameter of {@code heads} the output its family's parameter name gives. */
    private void outputParameters(LatentFamily family, Heads heads, Function<String, String> name) {
      List<String> names = family.parameterNames();
      for (int i = 0; i < names.size(); i++) {
        g.output(name.apply(names.get(i)), heads.parameters().get(i));
      }
    }

    /** log p(x|z1), summed over the D features. */
    private ONNXRef<?> logLikelihood(ONNXRef<?> x, ONNXRef<?> z1) {
      String prefix = "decoder/" + architecture.layer(0).name();
      return logLikelihood(
          x,
          likelihoodHeads(decoder(0, false, conditioned(z1, condition, prefix), prefix), prefix),
          2);
    }

    /**
     * The heads of p(x|z1) with the log variance of a learned-variance Gaussian held at or above
     * the architecture's floor (a Max with the constant log min_variance), as in training and in
     * {@code ReferenceVae}; unchanged where there is no floor.
     */
    private Heads likelihoodHeads(Heads p, String name) {
      double floor = architecture.likelihoodMinLogVariance();
      if (p.logVariance() == null || floor == Double.NEGATIVE_INFINITY) {
        return p;
      }
      return new Heads(
          List.of(p.mean(), g.max(p.logVariance(), (float) floor, name + "/logvar_floor")));
    }

    /**
     * log p(x|z1) from the decoder's heads p (broadcastable against x), summed over D.
     *
     * @param rank the rank of p's tensors: 2 for [N, D], 3 for [N, K, D]
     */
    private ONNXRef<?> logLikelihood(ONNXRef<?> x, Heads p, int rank) {
      String name = "log_px_z";
      return switch (architecture.likelihood()) {
        case BERNOULLI ->
            BernoulliOnnx.logMass(g, x, p.mean(), architecture.inputDim(), rank, name);
        case GAUSSIAN_FIXED -> {
          double sigma = architecture.likelihoodSigma();
          ONNXRef<?> diff = g.sub(x, p.mean(), name + "/diff");
          ONNXRef<?> sumSquares =
              g.sumLastAxis(g.mul(diff, diff, name + "/squares"), name + "/sum_squares");
          float offset =
              (float) (-architecture.inputDim() * (0.5 * Math.log(2 * Math.PI) + Math.log(sigma)));
          yield g.add(
              g.mul(sumSquares, (float) (-0.5 / (sigma * sigma)), name + "/scaled"), offset, name);
        }
        case GAUSSIAN_LEARNED ->
            OnnxLatentFamily.of(LatentFamily.GAUSSIAN)
                .logDensity(g, x, p.parameters(), architecture.inputDim(), rank, name);
      };
    }

    private ONNXRef<?> xMean(Heads px) {
      return switch (architecture.likelihood()) {
        case BERNOULLI -> g.unary(ONNXOperators.SIGMOID, px.mean(), "x_mean");
        case GAUSSIAN_FIXED, GAUSSIAN_LEARNED -> px.mean();
      };
    }

    private ONNXRef<?> sum(List<ONNXRef<?>> terms, String name) {
      ONNXRef<?> total = terms.get(0);
      for (int i = 1; i < terms.size(); i++) {
        total = g.add(total, terms.get(i), name + "/sum");
      }
      return total;
    }
  }

  /** A network's outputs, one per head in parameter order (mean, logvar; logits). */
  private record Heads(List<ONNXRef<?>> parameters) {
    ONNXRef<?> mean() {
      return parameters.get(0);
    }

    ONNXRef<?> logVariance() {
      return parameters.size() > 1 ? parameters.get(1) : null;
    }
  }
}
