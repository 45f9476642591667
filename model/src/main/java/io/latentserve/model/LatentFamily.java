package io.latentserve.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The distribution family of one latent layer: which parameters its networks output, which noise a
 * sample is drawn from, and the reference math, in double precision, that every backend (the ONNX
 * graphs, the SameDiff training graph) is tested against.
 *
 * <p>A layer of the family is a factorized distribution over its d units. Its network has one head
 * per {@link #parameterNames() parameter}, each of width d; parameters are passed around bottom-up
 * in head order as {@code double[parameterCount][d]}. A sample is a pure function of the parameters
 * and one {@link #noise()} draw per unit, so that counter-based noise makes every sample the same
 * on any replica and in any batch.
 *
 * <p>Families are values compared by identity: {@link #all()} lists them and {@link #byName} reads
 * the name stored in manifests. Adding a family means adding an implementation of this interface to
 * {@link #all()} and its pieces in the ONNX writer and the SameDiff graph, never editing switches.
 */
public interface LatentFamily {
  /** Diagonal Gaussian: parameters mean and log variance; z = mean + exp(logvar / 2) eps. */
  LatentFamily GAUSSIAN = new GaussianFamily();

  /** Independent Bernoulli units in {0, 1}: parameter logits l; z = 1 where l + eps > 0. */
  LatentFamily BERNOULLI = new BernoulliFamily();

  /** Every family, in the order of the API's enum. */
  static List<LatentFamily> all() {
    return List.of(GAUSSIAN, BERNOULLI);
  }

  /**
   * The family named {@code name} ({@link #name()}, lower case).
   *
   * @throws IllegalArgumentException naming the known families when there is none
   */
  static LatentFamily byName(String name) {
    for (LatentFamily family : all()) {
      if (family.name().equals(name)) {
        return family;
      }
    }
    throw new IllegalArgumentException(
        "unknown latent family \""
            + name
            + "\", expected one of "
            + all().stream().map(LatentFamily::name).collect(Collectors.joining(", ")));
  }

  /** The name in manifests, logs and the CLI: "gaussian", "bernoulli". */
  String name();

  /**
   * The parameters' names in head order, also the suffixes of graph tensor names (e.g. {@code
   * z1_mean}, {@code z1_logvar}, {@code z1_logits}).
   */
  List<String> parameterNames();

  /**
   * The position of the parameter named {@code name} in {@link #parameterNames()}.
   *
   * @throws IllegalArgumentException naming the family's parameters when it has no such one
   */
  default int parameterIndex(String name) {
    int i = parameterNames().indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException(
          name() + " has the parameters " + parameterNames() + ", not " + name);
    }
    return i;
  }

  /** Number of parameters, i.e. of network heads, per unit. */
  default int parameterCount() {
    return parameterNames().size();
  }

  /** The noise one unit's sample is drawn from. */
  NoiseKind noise();

  /**
   * Whether a sample is a differentiable function of the parameters (the reparameterization trick):
   * the ELBO, IWAE, DReG and InfoVAE objectives need it; VIMCO and reweighted wake-sleep do not.
   */
  boolean reparameterizable();

  /**
   * The sample of one example given its parameters and one noise draw per unit.
   *
   * @param parameters [parameterCount][d]
   * @param noise [d] draws of {@link #noise()}
   */
  double[] sample(double[][] parameters, double[] noise);

  /** log density (or mass) of z under the parameters, summed over the d units, nats. */
  double logDensity(double[] z, double[][] parameters);

  /** E[z] per unit: the Gaussian mean, the Bernoulli probability sigmoid(l). */
  double[] expectation(double[][] parameters);

  /** KL(q || p) between two members of the family, summed over the units, nats (analytic). */
  double klDivergence(double[][] q, double[][] p);

  /** Whether {@code value} lies in the support of one unit. */
  boolean inSupport(float value);

  /** The support of one unit, in words for error messages: "a finite number", "0 or 1". */
  String support();

  /**
   * The parameters of this family's fixed standard prior over d units (N(0, I) for Gaussian), for
   * {@link Prior#STANDARD_NORMAL}.
   *
   * @throws UnsupportedOperationException where the family has no parameter-free prior
   */
  double[][] standardParameters(int d);
}
