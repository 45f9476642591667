package io.latentserve.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Every parameter of a VAE with a given {@link VaeArchitecture}.
 *
 * <p>{@code encoders.get(l)} maps the layer below (x for l = 0) to the parameters of q(z_{l+1}|.)
 * in that layer's {@link LatentFamily}, one head of size latentDim per parameter (a mean and a log
 * variance; Bernoulli logits). {@code decoders.get(l)} maps z_{l+1} to the parameters of the layer
 * below: for l = 0 the likelihood p(x|z1) (Bernoulli logits, or a Gaussian mean with a log variance
 * when it is learned), else p(z_l|z_{l+1}) in layer l's family.
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
 *   <li>{@code prior} is the top layer's prior p(z_L|y), e.g. N(mu(y), diag exp(logvar(y))): a
 *       network without hidden layers whose heads map y to the parameters, mu(y) = y W_mu + b_mu
 *       and logvar(y) = y W_logvar + b_logvar, each Dense [C, d_L].
 * </ul>
 *
 * A {@link Prior#LEARNED} prior has the same network with no input (each head a Dense [0, d_L]: its
 * bias is the parameter, e.g. the logits of a factorial Bernoulli prior). A {@link
 * Prior#STANDARD_NORMAL} prior has no weights: {@code prior} is null.
 *
 * <p>An {@link Prior#RBM} prior has no network: its parameters are {@code rbm}, an {@link Rbm} over
 * {@link VaeArchitecture#rbmUnits()} units with n1 = {@link VaeArchitecture#rbmFirstHalf()}, and
 * its log partition function is {@code logPartition}, an estimate that may be null while the model
 * is being trained (nothing that needs normalised log p(z) accepts such weights: the bundle writer
 * and {@link ReferenceVae}'s log densities refuse them).
 *
 * @param prior the weights of the top layer's prior; null when {@link Prior#hasWeights()} is false
 * @param rbm the RBM prior's parameters; null unless the prior is {@link Prior#RBM}
 * @param logPartition the RBM's log Z estimate, or null (not yet estimated, or no RBM prior)
 */
public record VaeWeights(
    VaeArchitecture architecture,
    List<GaussianMlp> encoders,
    List<GaussianMlp> decoders,
    GaussianMlp prior,
    Rbm rbm,
    LogPartition logPartition) {

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
          layer.family().parameterCount());
      checkShape(
          "decoder " + layer.name(),
          decoders.get(l),
          architecture.decoderNetworkInputDim(l),
          architecture.decoderOutputDim(l),
          reversed(layer.hidden()),
          architecture.decoderHeadCount(l));
    }
    Prior topPrior = architecture.prior();
    if (topPrior.hasWeights()) {
      if (prior == null) {
        throw new IllegalArgumentException(
            "a model with the "
                + topPrior.name()
                + " prior needs the weights of its prior of "
                + architecture.top().name());
      }
      checkShape(
          "prior of " + architecture.top().name(),
          prior,
          topPrior.networkInputDim(architecture.conditionDim()),
          architecture.top().latentDim(),
          List.of(),
          architecture.top().family().parameterCount());
    } else if (prior != null) {
      throw new IllegalArgumentException(
          "the " + topPrior.name() + " prior has no weights, got prior weights");
    }
    int rbmUnits = architecture.rbmUnits();
    if (rbmUnits > 0) {
      if (rbm == null) {
        throw new IllegalArgumentException(
            "a model with the rbm prior needs its RBM parameters over " + rbmUnits + " units");
      }
      int n1 = architecture.rbmFirstHalf();
      if (rbm.n1() != n1 || rbm.n2() != rbmUnits - n1) {
        throw new IllegalArgumentException(
            "the rbm prior over "
                + rbmUnits
                + " units needs n1 = "
                + n1
                + " and n2 = "
                + (rbmUnits - n1)
                + ", got n1 = "
                + rbm.n1()
                + " and n2 = "
                + rbm.n2());
      }
    } else if (rbm != null || logPartition != null) {
      throw new IllegalArgumentException(
          "the " + topPrior.name() + " prior has no RBM, got RBM parameters or a log Z");
    }
  }

  /** Weights without an RBM prior. */
  public VaeWeights(
      VaeArchitecture architecture,
      List<GaussianMlp> encoders,
      List<GaussianMlp> decoders,
      GaussianMlp prior) {
    this(architecture, encoders, decoders, prior, null, null);
  }

  /** These weights with the RBM prior's log Z estimate {@code logPartition}. */
  public VaeWeights withLogPartition(LogPartition logPartition) {
    return new VaeWeights(architecture, encoders, decoders, prior, rbm, logPartition);
  }

  /** These weights with other RBM prior parameters (and no log Z: it belongs to the old ones). */
  public VaeWeights withRbm(Rbm rbm) {
    return new VaeWeights(architecture, encoders, decoders, prior, rbm, null);
  }

  /**
   * The RBM's log Z, for the code that needs normalised log p(z).
   *
   * @throws IllegalStateException when the model has an RBM prior whose log Z is not yet estimated
   */
  public LogPartition requireLogPartition() {
    if (logPartition == null) {
      throw new IllegalStateException(
          "the rbm prior's log Z is not estimated: run RbmAis or RbmPartition.exact and"
              + " withLogPartition first");
    }
    return logPartition;
  }

  /** The weights of an unconditional model, whose top prior is N(0, I). */
  public VaeWeights(
      VaeArchitecture architecture, List<GaussianMlp> encoders, List<GaussianMlp> decoders) {
    this(architecture, encoders, decoders, null);
  }

  private static void checkShape(
      String what, GaussianMlp mlp, int in, int out, List<Integer> hidden, int heads) {
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
    if (mlp.headCount() != heads) {
      throw new IllegalArgumentException(
          what + (heads == 2 ? " needs" : " must not have") + " a log-variance head");
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
   * draws its prior's weights last. An {@link Prior#RBM} prior gets random parameters uniform in
   * [-0.1, 0.1] (so that tests see a non-trivial RBM; a trainer starts from {@link Rbm#zeros}) and
   * no log Z.
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
              layer.family().parameterCount() == 2));
      boolean logVariance = architecture.decoderHeadCount(l) == 2;
      decoders.add(
          randomMlp(
              random,
              architecture.decoderNetworkInputDim(l),
              reversed(layer.hidden()),
              architecture.decoderOutputDim(l),
              logVariance));
    }
    Prior topPrior = architecture.prior();
    GaussianMlp prior =
        topPrior.hasWeights()
            ? randomMlp(
                random,
                topPrior.networkInputDim(architecture.conditionDim()),
                List.of(),
                architecture.top().latentDim(),
                architecture.top().family().parameterCount() == 2)
            : null;
    int rbmUnits = architecture.rbmUnits();
    Rbm rbm =
        rbmUnits > 0
            ? Rbm.random(
                architecture.rbmFirstHalf(),
                rbmUnits - architecture.rbmFirstHalf(),
                0.1,
                random.nextLong())
            : null;
    return new VaeWeights(architecture, encoders, decoders, prior, rbm, null);
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
    // in = 0 (a learned constant) has no weights to draw: its bias starts at zero.
    double limit = scale * Math.sqrt(6.0 / (in + out));
    float[] w = new float[in * out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
    }
    return new Dense(in, out, w, new float[out]);
  }
}
