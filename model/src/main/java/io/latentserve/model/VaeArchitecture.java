package io.latentserve.model;

import java.util.List;

/**
 * The shape of a VAE with one or more stochastic layers, each of its own {@link LatentFamily},
 * optionally conditioned on a vector y: its latent layers, its top {@link Prior}, its {@link
 * InferenceStructure} (the bottom-up chain q(z_1|x) q(z_2|z_1) ... of the IWAE paper, or HIT's
 * top-down q(z_2|x) q(z_1|z_2, x)) and its networks.
 *
 * <p>Layer 1 is next to the data. The encoder maps what the inference structure says (for the
 * bottom-up chain x or the sample of layer l-1) through layer l's hidden widths to the parameters
 * of q(z_l|.) in layer l's family. The decoder maps z_l through the reversed widths to the
 * parameters of p(z_{l-1}|z_l) (in layer l-1's family), and z1 to p(x|z1). The top layer's prior is
 * {@link #prior()}: N(0, I) for a Gaussian top layer by default, learned factorial parameters (e.g.
 * Bernoulli logits) for other families.
 *
 * <p>A <em>conditional</em> architecture ({@code conditionDim} C > 0) is the CVAE of Sohn, Lee and
 * Yan (2015), the CIWAE when evaluated with k importance samples: every network also reads a
 * condition y, float32 [N, C] (a one-hot label, though any finite values are valid). Each encoder
 * q(z_l|z_{l-1}, y) and each decoder p(z_{l-1}|z_l, y), p(x|z1, y) takes the concatenation of its
 * usual input and y (so its first dense layer has C more inputs, see {@link VaeWeights}), and the
 * top layer's prior is p(z_L|y) = N(mu(y), diag exp(logvar(y))) with mu and logvar affine in y.
 *
 * @param inputDim flattened size D of one example
 * @param likelihoodSigma standard deviation of p(x|z) for {@link LikelihoodFamily#GAUSSIAN_FIXED},
 *     else 0
 * @param conditionDim size C of the condition y, >= 0; 0 for an unconditional model
 * @param prior the top layer's prior, suited to its family and to {@code conditionDim}
 * @param likelihoodMinVariance the floor on the variance of p(x|z) for {@link
 *     LikelihoodFamily#GAUSSIAN_LEARNED}, else 0: the decoder's log variance of x is {@code
 *     max(logvar, log likelihoodMinVariance)} everywhere the model is computed (training, the
 *     exported graphs, {@link ReferenceVae}), so that a feature the data never varies (a background
 *     pixel) cannot drive its variance, and the log-likelihood, to infinity; 0 is no floor (the
 *     bundles written before the floor existed)
 * @param inference how the encoder factorises q(z|x) ({@link InferenceStructure}): the bottom-up
 *     chain unless named
 * @param inputShape the shape of one example, e.g. [1, 28, 28] (channels, height, width) for a
 *     grayscale image, whose product is {@code inputDim}; x itself is always the flat [N, D] in
 *     row-major order of this shape. Null reads as [inputDim] (a plain vector, and every bundle
 *     written before shapes were kept)
 */
public record VaeArchitecture(
    int inputDim,
    List<StochasticLayer> layers,
    Activation activation,
    LikelihoodFamily likelihood,
    double likelihoodSigma,
    int conditionDim,
    Prior prior,
    double likelihoodMinVariance,
    InferenceStructure inference,
    List<Integer> inputShape) {

  public VaeArchitecture {
    if (inputDim <= 0) {
      throw new IllegalArgumentException("inputDim must be > 0, got " + inputDim);
    }
    if (conditionDim < 0) {
      throw new IllegalArgumentException(
          "conditionDim must be >= 0 (0 for an unconditional model), got " + conditionDim);
    }
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a VAE needs at least one stochastic layer");
    }
    if (layers.stream().map(StochasticLayer::name).distinct().count() != layers.size()) {
      throw new IllegalArgumentException("layer names must be distinct, got " + layers);
    }
    if (activation == null || likelihood == null) {
      throw new IllegalArgumentException("activation and likelihood are required");
    }
    if (likelihood == LikelihoodFamily.GAUSSIAN_FIXED
        ? !(likelihoodSigma > 0 && Double.isFinite(likelihoodSigma))
        : likelihoodSigma != 0) {
      throw new IllegalArgumentException(
          "likelihoodSigma must be > 0 for GAUSSIAN_FIXED and 0 otherwise, got "
              + likelihoodSigma
              + " for "
              + likelihood);
    }
    if (prior == null) {
      throw new IllegalArgumentException("prior is required");
    }
    prior.check(layers.get(layers.size() - 1).family(), conditionDim);
    if (prior.spansAllLayers()) {
      for (StochasticLayer layer : layers) {
        prior.check(layer.family(), conditionDim);
      }
    }
    if (likelihood == LikelihoodFamily.GAUSSIAN_LEARNED
        ? !(likelihoodMinVariance >= 0 && Double.isFinite(likelihoodMinVariance))
        : likelihoodMinVariance != 0) {
      throw new IllegalArgumentException(
          "likelihoodMinVariance must be >= 0 for GAUSSIAN_LEARNED and 0 otherwise, got "
              + likelihoodMinVariance
              + " for "
              + likelihood);
    }
    if (inference == null) {
      throw new IllegalArgumentException("inference structure is required");
    }
    inputShape = inputShape == null ? List.of(inputDim) : List.copyOf(inputShape);
    long product = 1;
    for (int d : inputShape) {
      if (d <= 0) {
        throw new IllegalArgumentException("inputShape must be positive, got " + inputShape);
      }
      product *= d;
    }
    if (inputShape.isEmpty() || product != inputDim) {
      throw new IllegalArgumentException(
          "inputShape " + inputShape + " must have inputDim " + inputDim + " elements");
    }
  }

  /** An architecture whose input is a plain vector of {@code inputDim} features. */
  public VaeArchitecture(
      int inputDim,
      List<StochasticLayer> layers,
      Activation activation,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      int conditionDim,
      Prior prior,
      double likelihoodMinVariance,
      InferenceStructure inference) {
    this(
        inputDim,
        layers,
        activation,
        likelihood,
        likelihoodSigma,
        conditionDim,
        prior,
        likelihoodMinVariance,
        inference,
        null);
  }

  /** An architecture with the bottom-up inference chain. */
  public VaeArchitecture(
      int inputDim,
      List<StochasticLayer> layers,
      Activation activation,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      int conditionDim,
      Prior prior,
      double likelihoodMinVariance) {
    this(
        inputDim,
        layers,
        activation,
        likelihood,
        likelihoodSigma,
        conditionDim,
        prior,
        likelihoodMinVariance,
        InferenceStructure.BOTTOM_UP);
  }

  /** An architecture without a variance floor ({@code likelihoodMinVariance} 0). */
  public VaeArchitecture(
      int inputDim,
      List<StochasticLayer> layers,
      Activation activation,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      int conditionDim,
      Prior prior) {
    this(inputDim, layers, activation, likelihood, likelihoodSigma, conditionDim, prior, 0);
  }

  /**
   * This architecture with a floor on the variance of its learned-variance Gaussian likelihood (see
   * {@link #likelihoodMinVariance()}).
   */
  public VaeArchitecture withLikelihoodMinVariance(double minVariance) {
    return new VaeArchitecture(
        inputDim,
        layers,
        activation,
        likelihood,
        likelihoodSigma,
        conditionDim,
        prior,
        minVariance,
        inference,
        inputShape);
  }

  /** This architecture with the inference structure {@code structure}. */
  public VaeArchitecture withInference(InferenceStructure structure) {
    return new VaeArchitecture(
        inputDim,
        layers,
        activation,
        likelihood,
        likelihoodSigma,
        conditionDim,
        prior,
        likelihoodMinVariance,
        structure,
        inputShape);
  }

  /**
   * This architecture reading examples of shape {@code shape} (e.g. [1, 28, 28]), whose product
   * must be {@link #inputDim}.
   */
  public VaeArchitecture withInputShape(List<Integer> shape) {
    return new VaeArchitecture(
        inputDim,
        layers,
        activation,
        likelihood,
        likelihoodSigma,
        conditionDim,
        prior,
        likelihoodMinVariance,
        inference,
        shape);
  }

  /**
   * The floor of the decoder's log variance of x, {@code log likelihoodMinVariance}, or negative
   * infinity where there is none.
   */
  public double likelihoodMinLogVariance() {
    return likelihoodMinVariance > 0 ? Math.log(likelihoodMinVariance) : Double.NEGATIVE_INFINITY;
  }

  /** An architecture with the {@link Prior#defaultFor default prior} of its top layer. */
  public VaeArchitecture(
      int inputDim,
      List<StochasticLayer> layers,
      Activation activation,
      LikelihoodFamily likelihood,
      double likelihoodSigma,
      int conditionDim) {
    this(
        inputDim,
        layers,
        activation,
        likelihood,
        likelihoodSigma,
        conditionDim,
        layers == null || layers.isEmpty()
            ? Prior.STANDARD_NORMAL
            : Prior.defaultFor(layers.get(layers.size() - 1).family(), conditionDim));
  }

  /** An unconditional architecture ({@code conditionDim} 0). */
  public VaeArchitecture(
      int inputDim,
      List<StochasticLayer> layers,
      Activation activation,
      LikelihoodFamily likelihood,
      double likelihoodSigma) {
    this(inputDim, layers, activation, likelihood, likelihoodSigma, 0);
  }

  /** IWAE paper, one stochastic layer: 784-200-200-(50), tanh both ways, Bernoulli pixels. */
  public static VaeArchitecture iwaeOneLayer() {
    return new VaeArchitecture(
        784,
        List.of(new StochasticLayer("z1", 50, List.of(200, 200))),
        Activation.TANH,
        LikelihoodFamily.BERNOULLI,
        0);
  }

  /**
   * IWAE paper, two stochastic layers: 784-100-100-(100)-50-50-(50), tanh both ways, Bernoulli
   * pixels.
   */
  public static VaeArchitecture iwaeTwoLayer() {
    return new VaeArchitecture(
        784,
        List.of(
            new StochasticLayer("z1", 100, List.of(100, 100)),
            new StochasticLayer("z2", 50, List.of(50, 50))),
        Activation.TANH,
        LikelihoodFamily.BERNOULLI,
        0);
  }

  /**
   * HIT's two-layer model (Xiao and Bamler 2023) with MLP networks and the top-down {@link
   * InferenceStructure}: a bottom latent y (layer 1, the only one the decoder of x reads) and a top
   * latent z with the prior N(0, I), the generative model p(z) p(y|z) p(x|y) and the inference
   * q(z|x) q(y|z, x). The widths are those of {@link #iwaeTwoLayer()}
   * (784-100-100-(100)-50-50-(50), tanh), so that the two compare at one size; the likelihood is
   * the caller's.
   *
   * @param likelihood the family of p(x|y)
   * @param sigma the standard deviation of a {@link LikelihoodFamily#GAUSSIAN_FIXED} likelihood,
   *     else 0
   */
  public static VaeArchitecture hitMlp(int inputDim, LikelihoodFamily likelihood, double sigma) {
    return new VaeArchitecture(
            inputDim,
            List.of(
                new StochasticLayer("y", 100, List.of(100, 100)),
                new StochasticLayer("z", 50, List.of(50, 50))),
            Activation.TANH,
            likelihood,
            sigma)
        .withInference(InferenceStructure.TOP_DOWN);
  }

  /**
   * This architecture conditioned on a vector of {@code conditionDim} values (0 makes it
   * unconditional), e.g. {@code iwaeOneLayer().withConditionDim(10)} for MNIST labels.
   */
  public VaeArchitecture withConditionDim(int conditionDim) {
    return new VaeArchitecture(
            inputDim, layers, activation, likelihood, likelihoodSigma, conditionDim)
        .withLikelihoodMinVariance(likelihoodMinVariance)
        .withInference(inference)
        .withInputShape(inputShape);
  }

  /**
   * A sigmoid belief net (Neal 1992; the VIMCO and reweighted wake-sleep papers): Bernoulli layers
   * of the given sizes with linear networks, bottom-up, a learned factorial Bernoulli prior on top,
   * Bernoulli pixels; e.g. {@code sigmoidBeliefNet(784, 200, 200)} is the 784-200-200 stack.
   */
  public static VaeArchitecture sigmoidBeliefNet(int inputDim, int... layerSizes) {
    List<StochasticLayer> layers = new java.util.ArrayList<>();
    for (int i = 0; i < layerSizes.length; i++) {
      layers.add(
          new StochasticLayer("z" + (i + 1), layerSizes[i], List.of(), LatentFamily.BERNOULLI));
    }
    return new VaeArchitecture(inputDim, layers, Activation.TANH, LikelihoodFamily.BERNOULLI, 0);
  }

  /**
   * Units of an {@link Prior#RBM} prior: every layer's latentDim summed; 0 for the other priors.
   */
  public int rbmUnits() {
    return prior.spansAllLayers() ? layers.stream().mapToInt(StochasticLayer::latentDim).sum() : 0;
  }

  /** Units of an RBM prior's first half z1, {@code rbmUnits() / 2}; 0 for the other priors. */
  public int rbmFirstHalf() {
    return Rbm.firstHalf(rbmUnits());
  }

  /** This architecture with the top prior {@code prior}, e.g. {@link Prior#RBM}. */
  public VaeArchitecture withPrior(Prior prior) {
    return new VaeArchitecture(
        inputDim,
        layers,
        activation,
        likelihood,
        likelihoodSigma,
        conditionDim,
        prior,
        likelihoodMinVariance,
        inference,
        inputShape);
  }

  /** The family of layer {@code index}. */
  public LatentFamily family(int index) {
    return layers.get(index).family();
  }

  /**
   * Whether every layer's samples are differentiable in its parameters, as the ELBO, IWAE, DReG and
   * InfoVAE objectives need (see {@link LatentFamily#reparameterizable()}).
   */
  public boolean reparameterizable() {
    return layers.stream().allMatch(l -> l.family().reparameterizable());
  }

  /**
   * Heads of layer {@code index}'s decoder: the parameter count of p(z_{l-1}|z_l)'s family for a
   * layer above the first, else of p(x|z1) (2 for a learned-variance Gaussian likelihood, else 1).
   */
  public int decoderHeadCount(int index) {
    if (index > 0) {
      return family(index - 1).parameterCount();
    }
    return likelihood == LikelihoodFamily.GAUSSIAN_LEARNED ? 2 : 1;
  }

  /**
   * The number of trainable parameters (weights and biases) of a model of this shape, exactly as
   * many floats as {@link VaeWeights#random} allocates, computed from the shape alone in 64 bits:
   * what a trainer checks before it allocates anything.
   */
  public long parameterCount() {
    long total = 0;
    for (int l = 0; l < layers.size(); l++) {
      StochasticLayer layer = layers.get(l);
      total +=
          networkParameters(
              encoderNetworkInputDim(l),
              layer.hidden(),
              layer.latentDim(),
              layer.family().parameterCount());
      List<Integer> reversed = new java.util.ArrayList<>(layer.hidden());
      java.util.Collections.reverse(reversed);
      total +=
          networkParameters(
              decoderNetworkInputDim(l), reversed, decoderOutputDim(l), decoderHeadCount(l));
    }
    if (prior.hasWeights()) {
      total +=
          networkParameters(
              prior.networkInputDim(conditionDim),
              List.of(),
              top().latentDim(),
              top().family().parameterCount());
    }
    long rbm = rbmUnits();
    if (rbm > 0) {
      long n1 = rbmFirstHalf();
      total += rbm + n1 * (rbm - n1);
    }
    return total;
  }

  /** Weights and biases of an MLP in -> hidden... -> heads x out. */
  private static long networkParameters(int in, List<Integer> hidden, int out, int heads) {
    long total = 0;
    long width = in;
    for (int h : hidden) {
      total += width * h + h;
      width = h;
    }
    return total + heads * (width * out + out);
  }

  /** Whether the model reads a condition y ({@code conditionDim > 0}). */
  public boolean conditional() {
    return conditionDim > 0;
  }

  public int layerCount() {
    return layers.size();
  }

  public StochasticLayer layer(int index) {
    return layers.get(index);
  }

  public StochasticLayer top() {
    return layers.get(layers.size() - 1);
  }

  /**
   * Input width of layer {@code index}'s encoder, without the condition, as the {@link #inference}
   * structure says: for the bottom-up chain D for layer 0, else the latent size below.
   */
  public int encoderInputDim(int index) {
    return inference.encoderInputDim(index, inputDim, layers);
  }

  /**
   * Output width of layer {@code index}'s decoder heads: D for layer 0, else the latent size below.
   */
  public int decoderOutputDim(int index) {
    return index == 0 ? inputDim : layers.get(index - 1).latentDim();
  }

  /**
   * Width of the first dense layer's input in layer {@code index}'s encoder: {@link
   * #encoderInputDim} plus {@link #conditionDim} (the input concatenated with y).
   */
  public int encoderNetworkInputDim(int index) {
    return encoderInputDim(index) + conditionDim;
  }

  /**
   * Width of the first dense layer's input in layer {@code index}'s decoder: the latent size plus
   * {@link #conditionDim} (z_l concatenated with y).
   */
  public int decoderNetworkInputDim(int index) {
    return layers.get(index).latentDim() + conditionDim;
  }
}
