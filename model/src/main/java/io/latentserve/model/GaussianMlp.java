package io.latentserve.model;

import java.util.List;

/**
 * A multilayer perceptron with one or two heads, one per parameter of the distribution it outputs:
 * the building block of every encoder q(z_l|.) and decoder p(.|z_l) in a {@link VaeArchitecture}.
 * The first head gives the first parameter of the family (a Gaussian mean, Bernoulli logits), the
 * second, where the family has one, the log variance.
 *
 * @param hidden hidden layers, each followed by the architecture's activation
 * @param mean head producing the first parameter (mean or logits), no activation
 * @param logVariance head producing the log variance, no activation; null where the family has none
 */
public record GaussianMlp(List<Dense> hidden, Dense mean, Dense logVariance) {
  public GaussianMlp {
    hidden = List.copyOf(hidden);
    for (int i = 1; i < hidden.size(); i++) {
      if (hidden.get(i).in() != hidden.get(i - 1).out()) {
        throw new IllegalArgumentException(
            "hidden layer " + i + " input does not match the layer before");
      }
    }
    int headIn = hidden.isEmpty() ? mean.in() : hidden.get(hidden.size() - 1).out();
    if (mean.in() != headIn) {
      throw new IllegalArgumentException(
          "mean head expects " + mean.in() + " inputs, network gives " + headIn);
    }
    if (logVariance != null && (logVariance.in() != headIn || logVariance.out() != mean.out())) {
      throw new IllegalArgumentException("log-variance head must have the mean head's shape");
    }
  }

  public int inputDim() {
    return hidden.isEmpty() ? mean.in() : hidden.get(0).in();
  }

  public int outputDim() {
    return mean.out();
  }

  /** Number of heads: 1, or 2 with a log-variance head. */
  public int headCount() {
    return logVariance == null ? 1 : 2;
  }

  /** The heads in parameter order. */
  public List<Dense> heads() {
    return logVariance == null ? List.of(mean) : List.of(mean, logVariance);
  }
}
