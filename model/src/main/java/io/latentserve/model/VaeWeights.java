package io.latentserve.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Every parameter of a VAE with a given {@link VaeArchitecture}.
 *
 * <p>{@code encoders.get(l)} maps the layer below (x for l = 0) to q(z_{l+1}|.): a mean and a log
 * variance of size latentDim. {@code decoders.get(l)} maps z_{l+1} to the parameters of the layer
 * below: for l = 0 the likelihood p(x|z1) (Bernoulli logits, or a Gaussian mean with a log variance
 * when it is learned), else the Gaussian p(z_l|z_{l+1}).
 *
 * <p><b>Conditional models</b> (C = {@code architecture.conditionDim()} > 0) take the condition y
 * [N, C] by concatenation, and these are exactly the parameters a trainer must produce:
 *
 * <ul>
 *   <li>Every encoder and decoder network reads {@code concat(input, y)}, the input's columns first
 *       and y's C columns last. Only its first dense layer changes: the first hidden layer (or, for
 *       a network without hidden layers, both heads) has {@code in = input width + C}; in its
 *       row-major [in, out] weight, rows {@code [0, input width)} multiply the input (x, or z_l)
 *       and the last C rows multiply y. Equivalently {@code h = input W_input + y W_y + b}. Input
 *       widths are {@link VaeArchitecture#encoderNetworkInputDim} and {@link
 *       VaeArchitecture#decoderNetworkInputDim}.
 *   <li>{@code prior} is the top layer's prior p(z_L|y) = N(mu(y), diag exp(logvar(y))): a network
 *       without hidden layers whose mean head maps y to mu(y) = y W_mu + b_mu and whose
 *       log-variance head maps y to logvar(y) = y W_logvar + b_logvar, each Dense [C, d_L].
 * </ul>
 *
 * For an unconditional model (C = 0) {@code prior} is null and the top prior is N(0, I).
 *
 * @param prior the conditional prior of the top layer; null for an unconditional model
 */
public record VaeWeights(
    VaeArchitecture architecture,
    List<GaussianMlp> encoders,
    List<GaussianMlp> decoders,
    GaussianMlp prior) {

  public VaeWeights {
    encoders = List.copyOf(encoders);
    decoders = List.copyOf(decoders);
    int layers = architecture.layerCount();
    if (encoders.size() != layers || decoders.size() != layers) {
      throw new IllegalArgumentException(
          "architecture has "
              + layers
              + " layers, weights have "
              + encoders.size()
              + " encoders and "
              + decoders.size()
              + " decoders");
    }
    for (int l = 0; l < layers; l++) {
      StochasticLayer layer = architecture.layer(l);
      checkShape(
          "encoder " + layer.name(),
          encoders.get(l),
          architecture.encoderNetworkInputDim(l),
          layer.latentDim(),
          layer.hidden(),
          true);
      boolean decoderHasLogVariance =
          l > 0 || architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED;
      checkShape(
          "decoder " + layer.name(),
          decoders.get(l),
          architecture.decoderNetworkInputDim(l),
          architecture.decoderOutputDim(l),
          reversed(layer.hidden()),
          decoderHasLogVariance);
    }
    if (architecture.conditional()) {
      if (prior == null) {
        throw new IllegalArgumentException(
            "a conditional architecture (conditionDim "
                + architecture.conditionDim()
                + ") needs the weights of its prior p(z_L|y)");
      }
      checkShape(
          "prior of " + architecture.top().name(),
          prior,
          architecture.conditionDim(),
          architecture.top().latentDim(),
          List.of(),
          true);
    } else if (prior != null) {
      throw new IllegalArgumentException(
          "an unconditional architecture has the prior N(0, I) and no prior weights");
    }
  }

  /** The weights of an unconditional model, whose top prior is N(0, I). */
  public VaeWeights(
      VaeArchitecture architecture, List<GaussianMlp> encoders, List<GaussianMlp> decoders) {
    this(architecture, encoders, decoders, null);
  }

  private static void checkShape(
      String what, GaussianMlp mlp, int in, int out, List<Integer> hidden, boolean logVariance) {
    List<Integer> actualHidden = mlp.hidden().stream().map(Dense::out).toList();
    if (mlp.inputDim() != in || mlp.outputDim() != out || !actualHidden.equals(hidden)) {
      throw new IllegalArgumentException(
          what
              + " must map "
              + in
              + " -> "
              + hidden
              + " -> "
              + out
              + ", got "
              + mlp.inputDim()
              + " -> "
              + actualHidden
              + " -> "
              + mlp.outputDim());
    }
    if ((mlp.logVariance() != null) != logVariance) {
      throw new IllegalArgumentException(
          what + (logVariance ? " needs" : " must not have") + " a log-variance head");
    }
  }

  static List<Integer> reversed(List<Integer> widths) {
    List<Integer> r = new ArrayList<>(widths);
    java.util.Collections.reverse(r);
    return r;
  }

  /**
   * Seeded random weights: Glorot-uniform matrices, zero biases, and log-variance heads scaled down
   * so that the initial variances stay near 1. The same architecture and seed always give the same
   * weights; an unconditional architecture gets the weights it always got, and a conditional one
   * draws its prior's weights last.
   */
  public static VaeWeights random(VaeArchitecture architecture, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<GaussianMlp> encoders = new ArrayList<>();
    List<GaussianMlp> decoders = new ArrayList<>();
    for (int l = 0; l < architecture.layerCount(); l++) {
      StochasticLayer layer = architecture.layer(l);
      encoders.add(
          randomMlp(
              random,
              architecture.encoderNetworkInputDim(l),
              layer.hidden(),
              layer.latentDim(),
              true));
      boolean logVariance = l > 0 || architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED;
      decoders.add(
          randomMlp(
              random,
              architecture.decoderNetworkInputDim(l),
              reversed(layer.hidden()),
              architecture.decoderOutputDim(l),
              logVariance));
    }
    GaussianMlp prior =
        architecture.conditional()
            ? randomMlp(
                random,
                architecture.conditionDim(),
                List.of(),
                architecture.top().latentDim(),
                true)
            : null;
    return new VaeWeights(architecture, encoders, decoders, prior);
  }

  private static GaussianMlp randomMlp(
      SplittableRandom random, int in, List<Integer> hidden, int out, boolean logVariance) {
    List<Dense> layers = new ArrayList<>();
    int width = in;
    for (int h : hidden) {
      layers.add(glorot(random, width, h, 1.0));
      width = h;
    }
    Dense mean = glorot(random, width, out, 1.0);
    Dense logVar = logVariance ? glorot(random, width, out, 0.1) : null;
    return new GaussianMlp(layers, mean, logVar);
  }

  private static Dense glorot(SplittableRandom random, int in, int out, double scale) {
    double limit = scale * Math.sqrt(6.0 / (in + out));
    float[] w = new float[in * out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
    }
    return new Dense(in, out, w, new float[out]);
  }
}
