package io.latentserve.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The prior p(z_L) of the top latent layer; the layers below have the hierarchical priors p(z_l |
 * z_{l+1}) of the decoder chain. A prior with {@link #hasWeights() weights} is a network without
 * hidden layers, {@link VaeWeights#prior()}, with one head per parameter of the top layer's family:
 * its heads read the condition y (a {@link Conditional} prior, affine in y) or nothing (a {@link
 * Learned} prior, whose parameters are the heads' biases, e.g. the factorial Bernoulli prior with
 * learned logits of a sigmoid belief net).
 *
 * <p>Priors are values: {@link #all()} lists them and {@link #byName} reads a manifest's name.
 * Adding a prior means adding an implementation here and its pieces in the ONNX writer and the
 * SameDiff graph.
 */
public interface Prior {
  /** N(0, I): Gaussian top layers of unconditional models, no weights. */
  Prior STANDARD_NORMAL = new StandardNormal();

  /** p(z_L | y), parameters affine in the condition y [C]. */
  Prior CONDITIONAL = new Conditional();

  /** A factorial prior with learned parameters (for Bernoulli: learned logits), no input. */
  Prior LEARNED = new Learned();

  /**
   * A bipartite RBM over the concatenation of every latent layer's units (all Bernoulli), the DVAE
   * family's prior; its parameters are {@link VaeWeights#rbm()}, its log Z {@link
   * VaeWeights#logPartition()}. See {@link RestrictedBoltzmann}.
   */
  Prior RBM = new RestrictedBoltzmann();

  /** Every prior. */
  static List<Prior> all() {
    return List.of(STANDARD_NORMAL, CONDITIONAL, LEARNED, RBM);
  }

  /**
   * The prior named {@code name} ({@link #name()}).
   *
   * @throws IllegalArgumentException naming the known priors when there is none
   */
  static Prior byName(String name) {
    for (Prior prior : all()) {
      if (prior.name().equals(name)) {
        return prior;
      }
    }
    throw new IllegalArgumentException(
        "unknown prior \""
            + name
            + "\", expected one of "
            + all().stream().map(Prior::name).collect(Collectors.joining(", ")));
  }

  /**
   * The prior a model gets unless it names one: conditional for a conditional model, N(0, I) for a
   * Gaussian top layer, learned otherwise.
   */
  static Prior defaultFor(LatentFamily top, int conditionDim) {
    if (conditionDim > 0) {
      return CONDITIONAL;
    }
    return top == LatentFamily.GAUSSIAN ? STANDARD_NORMAL : LEARNED;
  }

  /** The name in manifests and the API: "standard_normal", "conditional", "learned", "rbm". */
  String name();

  /** Whether the prior has weights, {@link VaeWeights#prior()}. */
  boolean hasWeights();

  /** Input width of the prior's network: C for a conditional prior, else 0. */
  default int networkInputDim(int conditionDim) {
    return 0;
  }

  /**
   * Whether the prior is a joint distribution over every latent layer's units (the {@link #RBM}
   * prior) rather than over the top layer alone: then log p(z) is the prior's term alone, and the
   * decoder chain p(z_l | z_{l+1}) of the layers above the first is not part of the model.
   */
  default boolean spansAllLayers() {
    return false;
  }

  /**
   * Checks that this prior suits a top layer of family {@code top} in a model with condition size
   * {@code conditionDim}.
   *
   * @throws IllegalArgumentException saying why not
   */
  void check(LatentFamily top, int conditionDim);

  /** N(0, I). */
  record StandardNormal() implements Prior {
    @Override
    public String name() {
      return "standard_normal";
    }

    @Override
    public boolean hasWeights() {
      return false;
    }

    @Override
    public void check(LatentFamily top, int conditionDim) {
      if (top != LatentFamily.GAUSSIAN) {
        throw new IllegalArgumentException(
            "the standard_normal prior needs a gaussian top layer, got " + top.name());
      }
      if (conditionDim > 0) {
        throw new IllegalArgumentException(
            "a conditional model (conditionDim " + conditionDim + ") needs the conditional prior");
      }
    }
  }

  /** p(z_L | y) with parameters y W + b, one head per parameter. */
  record Conditional() implements Prior {
    @Override
    public String name() {
      return "conditional";
    }

    @Override
    public boolean hasWeights() {
      return true;
    }

    @Override
    public int networkInputDim(int conditionDim) {
      return conditionDim;
    }

    @Override
    public void check(LatentFamily top, int conditionDim) {
      if (conditionDim <= 0) {
        throw new IllegalArgumentException(
            "the conditional prior needs a conditional model (conditionDim > 0)");
      }
    }
  }

  /** A factorial prior whose parameters are learned constants (the heads' biases). */
  record Learned() implements Prior {
    @Override
    public String name() {
      return "learned";
    }

    @Override
    public boolean hasWeights() {
      return true;
    }

    @Override
    public void check(LatentFamily top, int conditionDim) {
      if (conditionDim > 0) {
        throw new IllegalArgumentException(
            "a conditional model (conditionDim " + conditionDim + ") needs the conditional prior");
      }
    }
  }

  /**
   * p(z) = exp(-E(z)) / Z, a bipartite RBM ({@link Rbm}) over z = concat(z_1, ..., z_L), the units
   * of every layer bottom-up, split into halves z1 = the first n/2 units and z2 = the rest. Every
   * layer must be Bernoulli and the model unconditional. log p(z) = -E(z) - log Z with the estimate
   * of {@link VaeWeights#logPartition()}; the model's generative path is z ~ RBM, then x ~ p(x |
   * z_1) through the first decoder (the decoders of higher layers are not used).
   */
  record RestrictedBoltzmann() implements Prior {
    @Override
    public String name() {
      return "rbm";
    }

    @Override
    public boolean hasWeights() {
      return false;
    }

    @Override
    public boolean spansAllLayers() {
      return true;
    }

    @Override
    public void check(LatentFamily top, int conditionDim) {
      if (top != LatentFamily.BERNOULLI) {
        throw new IllegalArgumentException(
            "the rbm prior needs bernoulli latent layers, got " + top.name());
      }
      if (conditionDim > 0) {
        throw new IllegalArgumentException(
            "the rbm prior takes no condition, got conditionDim " + conditionDim);
      }
    }
  }
}
