package io.latentserve.trainer.core;

import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;

/**
 * A training objective: the loss whose gradient the optimizer follows, and the number of importance
 * samples K drawn per example and step. Every loss is in nats per example.
 */
public sealed interface Objective
    permits Objective.Elbo,
        Objective.BetaVae,
        Objective.Iwae,
        Objective.Dreg,
        Objective.InfoVae,
        Objective.Vimco,
        Objective.Rws {

  /** Largest K accepted for a training objective. */
  int MAX_SAMPLES = 5000;

  /** Samples from q(z|x) per example and step. */
  int samples();

  /** Short name used in logs and metric names, e.g. "iwae". */
  String name();

  /**
   * Whether the gradient flows through the samples z = g(params, eps) (the reparameterization
   * trick): true for the ELBO, beta-VAE, IWAE, DReG and InfoVAE, which therefore need every layer's
   * family to be {@link io.latentserve.model.LatentFamily#reparameterizable() reparameterizable};
   * false for VIMCO and reweighted wake-sleep, which treat the samples as constants (score-function
   * and self-normalized estimators) and so train discrete layers too.
   */
  default boolean reparameterized() {
    return true;
  }

  /**
   * Checks that this objective can train {@code architecture}.
   *
   * @throws IllegalArgumentException naming the objective and the first layer whose family it
   *     cannot train, e.g. "objective iwae needs reparameterizable latents, layer z1 is bernoulli;
   *     use vimco or rws"
   */
  default void check(VaeArchitecture architecture) {
    if (!reparameterized()) {
      return;
    }
    for (StochasticLayer layer : architecture.layers()) {
      if (!layer.family().reparameterizable()) {
        throw new IllegalArgumentException(
            "objective "
                + name()
                + " needs reparameterizable latents, layer "
                + layer.name()
                + " is "
                + layer.family().name()
                + "; use vimco or rws");
      }
    }
  }

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

  /**
   * VIMCO (Mnih and Rezende 2016): the k-sample IWAE bound L = log (1/k) sum_j w_j with the samples
   * z_j ~ q(z|x) held constant, trained through the per-sample surrogate {@code sg(w~_j) log w_j +
   * sg(L - L_{-j}) log q(z_j|x)}, summed over the k samples and averaged over the batch (the
   * gradient of the loss is then an unbiased estimate of the gradient of E_q[L], per example). w~_j
   * = w_j / sum_i w_i; the leave-one-out baseline L_{-j} = log (1/k) (sum_{i != j} w_i + w^_{-j})
   * replaces w_j by the geometric mean w^_{-j} = exp(mean_{i != j} log w_i) of the other weights.
   * Every learning signal is a constant of the gradient pass. Trains any latent family; the
   * reported bound and loss are L and -L.
   *
   * @param k samples per example, >= 2 (the baseline needs another sample)
   */
  record Vimco(int k) implements Objective {
    public Vimco {
      checkSamples(k);
      if (k < 2) {
        throw new IllegalArgumentException(
            "k must be >= 2 for vimco (its baseline leaves one sample out), got " + k);
      }
    }

    @Override
    public int samples() {
      return k;
    }

    @Override
    public String name() {
      return "vimco";
    }

    @Override
    public boolean reparameterized() {
      return false;
    }
  }

  /** Which terms train the inference network phi in reweighted wake-sleep. */
  enum RwsPhi {
    /** The wake-phi update sum_k w~_k d log q(z_k|x) (Le et al. 2019 favour it). */
    WAKE,
    /** The sleep-phi update d log q(z'|x') at (x', z') drawn from the model. */
    SLEEP,
    /** The sum of the wake-phi and the sleep-phi updates. */
    BOTH;

    /** Whether the wake-phi term is used. */
    public boolean wake() {
      return this != SLEEP;
    }

    /** Whether the sleep-phi term is used. */
    public boolean sleep() {
      return this != WAKE;
    }
  }

  /**
   * Reweighted wake-sleep (Bornschein and Bengio 2015; Le, Kosiorek, Siddharth, Teh and Wood 2019)
   * with k samples z_k ~ q(z|x) held constant and w~_k their self-normalized importance weights (a
   * constant of the gradient pass). The generative model theta (decoders and prior) ascends the
   * wake-theta term sum_k w~_k log p(x, z_k) only; the inference network phi (encoders) ascends the
   * wake-phi term sum_k w~_k log q(z_k|x) (a self-normalized estimate of -d KL(p(z|x) || q(z|x)),
   * biased but consistent in k) and/or the sleep-phi term log q(z'|x'), with (x', z') drawn
   * ancestrally from the model (z_L from the prior, each layer below from p(z_l|z_{l+1}), x' from
   * p(x|z_1)), one dream per example. Terms are averaged over the batch. Trains any latent family;
   * the reported bound is the IWAE bound log (1/k) sum_k w_k and the loss its negative.
   *
   * @param k samples per example
   * @param phi the terms that train the inference network
   */
  record Rws(int k, RwsPhi phi) implements Objective {
    public Rws {
      checkSamples(k);
      if (phi == null) {
        throw new IllegalArgumentException("phi is required: wake, sleep or both");
      }
    }

    @Override
    public int samples() {
      return k;
    }

    @Override
    public String name() {
      return "rws";
    }

    @Override
    public boolean reparameterized() {
      return false;
    }
  }

  private static void checkSamples(int k) {
    if (k < 1 || k > MAX_SAMPLES) {
      throw new IllegalArgumentException("k must be in [1, " + MAX_SAMPLES + "], got " + k);
    }
  }
}
