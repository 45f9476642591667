package io.latentserve.model;

/** The distribution p(x|z1) of the data given the bottom latent layer. */
public enum LikelihoodFamily {
  /** Independent Bernoulli per feature; the decoder outputs logits. */
  BERNOULLI,
  /** Diagonal Gaussian with a fixed standard deviation; the decoder outputs the mean. */
  GAUSSIAN_FIXED,
  /** Diagonal Gaussian; the decoder outputs the mean and the log variance. */
  GAUSSIAN_LEARNED
}
