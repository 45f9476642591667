package io.latentserve.model;

import java.util.List;

/**
 * The shape of a VAE with one or more diagonal-Gaussian stochastic layers.
 *
 * <p>Layer 1 is next to the data. The encoder maps x (or the sample of layer l-1) through layer l's
 * hidden widths to the mean and log variance of q(z_l|.). The decoder maps z_l through the reversed
 * widths to the parameters of p(z_{l-1}|z_l), and z1 to p(x|z1). The top layer's prior is N(0, I).
 *
 * @param inputDim flattened size D of one example
 * @param likelihoodSigma standard deviation of p(x|z) for {@link LikelihoodFamily#GAUSSIAN_FIXED},
 *     else 0
 */
public record VaeArchitecture(
    int inputDim,
    List<StochasticLayer> layers,
    Activation activation,
    LikelihoodFamily likelihood,
    double likelihoodSigma) {

  public VaeArchitecture {
    if (inputDim <= 0) {
      throw new IllegalArgumentException("inputDim must be > 0, got " + inputDim);
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

  public int layerCount() {
    return layers.size();
  }

  public StochasticLayer layer(int index) {
    return layers.get(index);
  }

  public StochasticLayer top() {
    return layers.get(layers.size() - 1);
  }

  /** Input width of layer {@code index}'s encoder: D for layer 0, else the latent size below. */
  public int encoderInputDim(int index) {
    return index == 0 ? inputDim : layers.get(index - 1).latentDim();
  }

  /**
   * Output width of layer {@code index}'s decoder heads: D for layer 0, else the latent size below.
   */
  public int decoderOutputDim(int index) {
    return encoderInputDim(index);
  }
}
