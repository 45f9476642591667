package io.latentserve.trainer.core;

/**
 * A training objective: the loss whose gradient the optimizer follows, and the number of importance
 * samples K drawn per example and step. Every loss is in nats per example.
 */
public sealed interface Objective
    permits Objective.Elbo, Objective.BetaVae, Objective.Iwae, Objective.Dreg, Objective.InfoVae {

  /** Largest K accepted for a training objective. */
  int MAX_SAMPLES = 5000;

  /** Samples from q(z|x) per example and step. */
  int samples();

  /** Short name used in logs and metric names, e.g. "iwae". */
  String name();

  /**
   * The evidence lower bound E_q[log p(x, z) - log q(z|x)] with one sample (Kingma and Welling
   * 2014).
   */
  record Elbo() implements Objective {
    @Override
    public int samples() {
      return 1;
    }

    @Override
    public String name() {
      return "elbo";
    }
  }

  /**
   * beta-VAE (Higgins et al. 2017): E_q[log p(x|z)] - beta (log q(z|x) - log p(z)), one sample.
   *
   * @param beta weight of the KL term, finite and >= 0
   */
  record BetaVae(double beta) implements Objective {
    public BetaVae {
      if (!(beta >= 0) || !Double.isFinite(beta)) {
        throw new IllegalArgumentException("beta must be finite and >= 0, got " + beta);
      }
    }

    @Override
    public int samples() {
      return 1;
    }

    @Override
    public String name() {
      return "beta_vae";
    }
  }

  /**
   * The k-sample importance-weighted bound log (1/k) sum_i w_i (Burda, Grosse and Salakhutdinov
   * 2015); k = 1 is the ELBO.
   */
  record Iwae(int k) implements Objective {
    public Iwae {
      checkSamples(k);
    }

    @Override
    public int samples() {
      return k;
    }

    @Override
    public String name() {
      return "iwae";
    }
  }

  /**
   * The IWAE bound trained with doubly reparameterized gradients for the encoder (Tucker, Lawson,
   * Gu and Maddison 2018): the encoder follows sum_i w~_i^2 d log w_i / dz_i dz_i / dphi with the
   * parameters of q held fixed inside log q; the decoder follows the IWAE gradient.
   */
  record Dreg(int k) implements Objective {
    public Dreg {
      checkSamples(k);
    }

    @Override
    public int samples() {
      return k;
    }

    @Override
    public String name() {
      return "dreg";
    }
  }

  /**
   * InfoVAE (Zhao, Song and Ermon 2018): minimizes -E_q[log p(x|z)] + (1 - alpha) KL(q(z|x) ||
   * p(z)) + (alpha + lambda - 1) MMD(q(z), p(z)), with the MMD taken on the top layer with the
   * kernel exp(-|a - b|^2 / d^2), one sample per example.
   *
   * @param alpha weight trading mutual information, finite
   * @param lambda weight of the divergence between the aggregate posterior and the prior, finite,
   *     with alpha + lambda - 1 >= 0 and 1 - alpha >= 0
   */
  record InfoVae(double alpha, double lambda) implements Objective {
    public InfoVae {
      if (!Double.isFinite(alpha) || !Double.isFinite(lambda)) {
        throw new IllegalArgumentException(
            "alpha and lambda must be finite, got " + alpha + " and " + lambda);
      }
      if (alpha > 1) {
        throw new IllegalArgumentException(
            "alpha must be <= 1 (KL weight 1 - alpha >= 0), got " + alpha);
      }
      if (alpha + lambda - 1 < 0) {
        throw new IllegalArgumentException(
            "alpha + lambda - 1 (the MMD weight) must be >= 0, got " + (alpha + lambda - 1));
      }
    }

    @Override
    public int samples() {
      return 1;
    }

    @Override
    public String name() {
      return "info_vae";
    }

    /** Weight of KL(q(z|x) || p(z)). */
    public double klWeight() {
      return 1 - alpha;
    }

    /** Weight of MMD(q(z), p(z)). */
    public double mmdWeight() {
      return alpha + lambda - 1;
    }
  }

  private static void checkSamples(int k) {
    if (k < 1 || k > MAX_SAMPLES) {
      throw new IllegalArgumentException("k must be in [1, " + MAX_SAMPLES + "], got " + k);
    }
  }
}
