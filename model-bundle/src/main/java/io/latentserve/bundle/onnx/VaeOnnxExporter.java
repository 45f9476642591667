package io.latentserve.bundle.onnx;

import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.bundle.GraphSpec;
import io.latentserve.bundle.StandardGraphSpecs;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.LatentserveVersion;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * likelihood is {@code x l - softplus(l)} with {@code softplus(l) = relu(l) + log(1 + exp(-|l|))}.
 * {@link io.latentserve.model.ReferenceVae} computes the same quantities in double precision.
 *
 * <p>Hierarchical models follow {@link VaeArchitecture}: encoder layer l+1 reads the sample of
 * layer l; decoder layer l maps z_l to p(z_{l-1}|z_l) and decoder layer 1 maps z1 to p(x|z1). In
 * {@link GraphRole#LOG_WEIGHTS} every tensor carries [N, K, ..] and the bottom encoder runs once
 * per example, its output broadcast over the K samples.
 */
public final class VaeOnnxExporter {
  /** The {@code producer_name} of every exported model. */
  public static final String PRODUCER_NAME = "latentserve";

  /** Metadata key of the graph's {@link GraphRole} name. */
  public static final String METADATA_ROLE = "latentserve.graph_role";

  /** Metadata key of a one-line description of the architecture. */
  public static final String METADATA_ARCHITECTURE = "latentserve.architecture";

  private static final float LOG_2PI = (float) Math.log(2 * Math.PI);

  private VaeOnnxExporter() {}

  /**
   * Writes every graph of {@code weights}.
   *
   * @return the specs (equal to {@code StandardGraphSpecs.forArchitecture(architecture)}) and the
   *     serialized models, one per {@link GraphRole}
   */
  public static ExportedGraphs export(VaeWeights weights) {
    VaeArchitecture architecture = weights.architecture();
    Map<GraphRole, GraphSpec> specs = StandardGraphSpecs.forArchitecture(architecture);
    Map<GraphRole, byte[]> models = new EnumMap<>(GraphRole.class);
    for (GraphRole role : GraphRole.values()) {
      models.put(role, new GraphWriter(weights, role, specs.get(role)).write());
    }
    return new ExportedGraphs(specs, models);
  }

  /** A one-line description of an architecture, stored in each model's metadata. */
  static String describe(VaeArchitecture architecture) {
    String layers =
        architecture.layers().stream()
            .map(l -> l.name() + ":" + l.latentDim() + l.hidden())
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
        + architecture.likelihoodSigma();
  }

  /** Builds one graph; a fresh writer per graph. */
  private static final class GraphWriter {
    private final VaeWeights weights;
    private final VaeArchitecture architecture;
    private final GraphRole role;
    private final OnnxGraphBuilder g;

    GraphWriter(VaeWeights weights, GraphRole role, GraphSpec spec) {
      this.weights = weights;
      this.architecture = weights.architecture();
      this.role = role;
      this.g = new OnnxGraphBuilder(spec, "latentserve_" + spec.file().replace(".onnx", ""));
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

    private String encoder() {
      ONNXRef<?> below = g.input(GraphNames.X);
      for (int l = 0; l < architecture.layerCount(); l++) {
        String name = architecture.layer(l).name();
        Heads q = mlp(weights.encoders().get(l), below, "encoder/" + name);
        ONNXRef<?> z = sample(q, g.input(GraphNames.eps(name)), "encoder/" + name);
        g.output(GraphNames.mean(name), q.mean());
        g.output(GraphNames.logVariance(name), q.logVariance());
        g.output(GraphNames.sample(name), z);
        below = z;
      }
      return "latentserve VAE encoder: x [N,D] and eps [N,d_l] per layer -> mean, log variance and"
          + " sample z = mean + exp(logvar/2) * eps of q(z_l|z_{l-1}) per layer, bottom-up"
          + " (float32).";
    }

    private String decoder() {
      int top = architecture.layerCount() - 1;
      ONNXRef<?> z = g.input(GraphNames.sample(architecture.layer(top).name()));
      for (int l = top; l > 0; l--) {
        String below = architecture.layer(l - 1).name();
        Heads p = mlp(weights.decoders().get(l), z, "decoder/" + architecture.layer(l).name());
        ONNXRef<?> zBelow = sample(p, g.input(GraphNames.eps(below)), "decoder/" + below);
        g.output(GraphNames.priorMean(below), p.mean());
        g.output(GraphNames.priorLogVariance(below), p.logVariance());
        g.output(GraphNames.sample(below), zBelow);
        z = zBelow;
      }
      Heads px = mlp(weights.decoders().get(0), z, "decoder/" + architecture.layer(0).name());
      g.output(GraphNames.X_MEAN, xMean(px));
      if (px.logVariance() != null) {
        g.output(GraphNames.X_LOGVAR, px.logVariance());
      }
      return "latentserve VAE decoder: the top sample [N,d_L] and eps [N,d_l] per layer below ->"
          + " p(z_{l-1}|z_l) mean, log variance and sample per layer below the top, then the mean"
          + " of p(x|z1) (Bernoulli probabilities or Gaussian mean) [N,D] (float32).";
    }

    private String logJoint() {
      ONNXRef<?> x = g.input(GraphNames.X);
      List<ONNXRef<?>> z = sampleInputs();
      List<ONNXRef<?>> logPrior = logPriors(z);
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
      List<ONNXRef<?>> z = sampleInputs();
      List<ONNXRef<?>> logQ = new ArrayList<>();
      for (int l = 0; l < architecture.layerCount(); l++) {
        String name = architecture.layer(l).name();
        Heads q = mlp(weights.encoders().get(l), below, "encoder/" + name);
        logQ.add(gaussianLogDensity(z.get(l), q, "log_q/" + name));
        below = z.get(l);
      }
      g.output(GraphNames.LOG_QZ, sum(logQ, "log_qz"));
      for (int l = 0; l < architecture.layerCount(); l++) {
        g.output(GraphNames.logPosterior(architecture.layer(l).name()), logQ.get(l));
      }
      return "latentserve VAE log posterior: x [N,D] and z_l [N,d_l] per layer -> log q(z|x) and"
          + " log q(z_l|z_{l-1}) per layer [N], in nats (float32).";
    }

    private String logWeights() {
      ONNXRef<?> x = g.input(GraphNames.X);
      ONNXRef<?> below = x;
      List<ONNXRef<?>> z = new ArrayList<>();
      List<ONNXRef<?>> logQ = new ArrayList<>();
      for (int l = 0; l < architecture.layerCount(); l++) {
        String name = architecture.layer(l).name();
        String prefix = "encoder/" + name;
        Heads q = mlp(weights.encoders().get(l), below, prefix);
        if (l == 0) {
          // q(z1|x) depends on x alone: computed once per example, broadcast over the K samples.
          q =
              new Heads(
                  g.unsqueeze(q.mean(), 1, prefix + "/mean_nk"),
                  g.unsqueeze(q.logVariance(), 1, prefix + "/logvar_nk"));
        }
        ONNXRef<?> eps = g.input(GraphNames.eps(name));
        ONNXRef<?> sample = sample(q, eps, prefix);
        // z - mean = exp(logvar/2) eps exactly, so the Mahalanobis term is eps^2.
        logQ.add(
            logDensityFromSquares(
                q.logVariance(), g.mul(eps, eps, "log_q/" + name + "/eps2"), "log_q/" + name));
        z.add(sample);
        below = sample;
      }
      ONNXRef<?> logPx = logLikelihood(g.unsqueeze(x, 1, "x_nk"), z.get(0));
      ONNXRef<?> logPz = sum(logPriors(z), "log_pz");
      ONNXRef<?> logQz = sum(logQ, "log_qz");
      ONNXRef<?> logW = g.sub(g.add(logPx, logPz, "log_pxz"), logQz, "log_w");
      g.output(GraphNames.LOG_W, logW);
      g.output(GraphNames.LOG_PX_Z, logPx);
      g.output(GraphNames.LOG_PZ, logPz);
      g.output(GraphNames.LOG_QZ, logQz);
      return "latentserve VAE log importance weights: x [N,D] and eps [N,K,d_l] per layer -> z ~"
          + " q(z|x) by reparameterization, then log w = log p(x|z) + log p(z) - log q(z|x),"
          + " log p(x|z), log p(z), log q(z|x) [N,K], in nats (float32).";
    }

    private List<ONNXRef<?>> sampleInputs() {
      List<ONNXRef<?>> z = new ArrayList<>();
      for (StochasticLayer layer : architecture.layers()) {
        z.add(g.input(GraphNames.sample(layer.name())));
      }
      return z;
    }

    /** log p(z_l|z_{l+1}) per layer, bottom-up; N(0, I) for the top layer. */
    private List<ONNXRef<?>> logPriors(List<ONNXRef<?>> z) {
      int top = architecture.layerCount() - 1;
      List<ONNXRef<?>> logPrior = new ArrayList<>();
      for (int l = 0; l < top; l++) {
        String name = architecture.layer(l).name();
        Heads p =
            mlp(
                weights.decoders().get(l + 1),
                z.get(l + 1),
                "decoder/" + architecture.layer(l + 1).name());
        logPrior.add(gaussianLogDensity(z.get(l), p, "log_p/" + name));
      }
      String topName = "log_p/" + architecture.layer(top).name();
      ONNXRef<?> squares = g.mul(z.get(top), z.get(top), topName + "/z2");
      ONNXRef<?> terms = g.add(squares, LOG_2PI, topName + "/terms");
      logPrior.add(g.mul(g.sumLastAxis(terms, topName + "/sum"), -0.5f, topName));
      return logPrior;
    }

    /** log p(x|z1), summed over the D features. */
    private ONNXRef<?> logLikelihood(ONNXRef<?> x, ONNXRef<?> z1) {
      Heads p = mlp(weights.decoders().get(0), z1, "decoder/" + architecture.layer(0).name());
      String name = "log_px_z";
      return switch (architecture.likelihood()) {
        case BERNOULLI -> {
          ONNXRef<?> logits = p.mean();
          ONNXRef<?> negAbs =
              g.unary(
                  ONNXOperators.NEG,
                  g.unary(VaeOnnxOperators.ABS, logits, name + "/abs"),
                  name + "/neg_abs");
          ONNXRef<?> log1pExp =
              g.unary(
                  VaeOnnxOperators.LOG,
                  g.add(g.unary(VaeOnnxOperators.EXP, negAbs, name + "/exp"), 1f, name + "/1p"),
                  name + "/log1p");
          ONNXRef<?> softplus =
              g.add(
                  g.unary(VaeOnnxOperators.RELU, logits, name + "/relu"),
                  log1pExp,
                  name + "/softplus");
          ONNXRef<?> terms = g.sub(g.mul(x, logits, name + "/xl"), softplus, name + "/terms");
          yield g.sumLastAxis(terms, name);
        }
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
        case GAUSSIAN_LEARNED -> gaussianLogDensity(x, p, name);
      };
    }

    private ONNXRef<?> xMean(Heads px) {
      return switch (architecture.likelihood()) {
        case BERNOULLI -> g.unary(ONNXOperators.SIGMOID, px.mean(), "x_mean");
        case GAUSSIAN_FIXED, GAUSSIAN_LEARNED -> px.mean();
      };
    }

    private Heads mlp(GaussianMlp mlp, ONNXRef<?> input, String name) {
      ONNXRef<?> h = input;
      for (int i = 0; i < mlp.hidden().size(); i++) {
        ONNXRef<?> pre = g.dense(h, mlp.hidden().get(i), name + "/hidden" + i);
        h =
            g.unary(
                switch (architecture.activation()) {
                  case TANH -> VaeOnnxOperators.TANH;
                  case RELU -> VaeOnnxOperators.RELU;
                },
                pre,
                name + "/hidden" + i + "/act");
      }
      ONNXRef<?> mean = g.dense(h, mlp.mean(), name + "/mean");
      ONNXRef<?> logVariance =
          mlp.logVariance() == null ? null : g.dense(h, mlp.logVariance(), name + "/logvar");
      return new Heads(mean, logVariance);
    }

    /** z = mean + exp(logvar / 2) * eps. */
    private ONNXRef<?> sample(Heads q, ONNXRef<?> eps, String name) {
      ONNXRef<?> std =
          g.unary(
              VaeOnnxOperators.EXP,
              g.mul(q.logVariance(), 0.5f, name + "/half_logvar"),
              name + "/std");
      return g.add(q.mean(), g.mul(std, eps, name + "/noise"), name + "/sample");
    }

    /** sum_d -0.5 (log 2 pi + logvar + (z - mean)^2 exp(-logvar)): [.., d] -> [..]. */
    private ONNXRef<?> gaussianLogDensity(ONNXRef<?> z, Heads p, String name) {
      ONNXRef<?> diff = g.sub(z, p.mean(), name + "/diff");
      ONNXRef<?> precision =
          g.unary(
              VaeOnnxOperators.EXP,
              g.unary(ONNXOperators.NEG, p.logVariance(), name + "/neg_logvar"),
              name + "/precision");
      ONNXRef<?> squares =
          g.mul(g.mul(diff, diff, name + "/diff2"), precision, name + "/mahalanobis");
      return logDensityFromSquares(p.logVariance(), squares, name);
    }

    /** sum_d -0.5 (log 2 pi + logvar + squares), broadcasting logvar against squares. */
    private ONNXRef<?> logDensityFromSquares(
        ONNXRef<?> logVariance, ONNXRef<?> squares, String name) {
      ONNXRef<?> terms =
          g.add(g.add(squares, logVariance, name + "/plus_logvar"), LOG_2PI, name + "/terms");
      return g.mul(g.sumLastAxis(terms, name + "/sum"), -0.5f, name);
    }

    private ONNXRef<?> sum(List<ONNXRef<?>> terms, String name) {
      ONNXRef<?> total = terms.get(0);
      for (int i = 1; i < terms.size(); i++) {
        total = g.add(total, terms.get(i), name + "/sum");
      }
      return total;
    }
  }

  /** Mean (or logits) and log variance (null where the family has none) of a Gaussian MLP. */
  private record Heads(ONNXRef<?> mean, ONNXRef<?> logVariance) {}
}
