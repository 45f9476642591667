package io.latentserve.trainer.core;

import io.latentserve.model.LatentFamily;
import io.latentserve.model.Prior;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.trainer.core.dvae.Smoothing;
import io.latentserve.trainer.core.dvae.SmoothingKind;
import java.util.Objects;

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
        Objective.LagVae,
        Objective.Vimco,
        Objective.Rws,
        Objective.Hit,
        Objective.Dvae {

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
   * Whether a step needs a batch of prior draws (TrainableVae.Batch#priorEps) for an MMD between
   * the aggregate posterior and the prior: InfoVAE and LagVAE.
   */
  default boolean drawsPriorBatch() {
    return false;
  }

  /**
   * The constraints of a Lagrangian objective (LagVAE, or InfoVAE stated by its constraints), whose
   * loss is {@link Constraints#lagrangian}; null for the others.
   */
  default Constraints constraints() {
    return null;
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
   * HIT (Xiao and Bamler 2023): per example D + beta_y R_y + beta_z R_z with one sample, for a
   * two-layer model with the top-down {@link io.latentserve.model.InferenceStructure} (y the bottom
   * layer, z the top): D = -log p(x|y), R_z = KL(q(z|x) || p(z)) and R_y = KL(q(y|z, x) || p(y|z))
   * at the sampled z, both analytic. With beta_y = beta_z = 1 it is the negative ELBO with analytic
   * KLs. The LVAE-style warm-up multiplies both rates by {@link #warmupWeight} of the epoch.
   *
   * @param betaY weight of R_y, finite and >= 0
   * @param betaZ weight of R_z, finite and >= 0
   * @param warmupEpochs epochs over which the rates' weight rises linearly to 1, >= 0; 0 is none
   */
  record Hit(double betaY, double betaZ, int warmupEpochs) implements Objective {
    public Hit {
      for (double beta : new double[] {betaY, betaZ}) {
        if (!(beta >= 0) || !Double.isFinite(beta)) {
          throw new IllegalArgumentException(
              "beta_y and beta_z must be finite and >= 0, got " + betaY + " and " + betaZ);
        }
      }
      if (warmupEpochs < 0) {
        throw new IllegalArgumentException("warmup_epochs must be >= 0, got " + warmupEpochs);
      }
    }

    /**
     * The weight of both rates in epoch {@code epoch} (0-based): min(1, (epoch + 1) /
     * warmupEpochs), so that the first epoch already sees 1 / warmupEpochs of them; 1 without a
     * warm-up.
     */
    public double warmupWeight(int epoch) {
      return warmupEpochs == 0 ? 1 : Math.min(1, (epoch + 1) / (double) warmupEpochs);
    }

    /** The weight of layer {@code index}'s rate: beta_y for layer 0 (y), beta_z for layer 1. */
    public double beta(int index) {
      return index == 0 ? betaY : betaZ;
    }

    @Override
    public int samples() {
      return 1;
    }

    @Override
    public String name() {
      return "hit";
    }

    /**
     * Checks the model is HIT's: two Gaussian layers whose KL splits into per-layer terms (the
     * top-down structure), a Gaussian top prior.
     */
    @Override
    public void check(VaeArchitecture architecture) {
      Objective.super.check(architecture);
      if (architecture.layerCount() != 2) {
        throw new IllegalArgumentException(
            "objective hit needs two latent layers (y below, z on top), got "
                + architecture.layerCount());
      }
      if (!architecture.inference().layerwiseKl(2)) {
        throw new IllegalArgumentException(
            "objective hit needs per-layer rates, which the "
                + architecture.inference().name()
                + " inference structure does not give; use top_down");
      }
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
   * <p>Stated by its {@code constraints} instead, it minimizes LagVAE's Lagrangian with the
   * multipliers fixed at lambda1 = e1 and lambda2 = e2 (the original code's InfoVAE), whose MMD
   * term is 1e4 MMD: the same model as the (alpha, lambda) form with {@link
   * Constraints#infoVaeAlpha()} and {@link Constraints#infoVaeLambda()} and the MMD scaled by 1e4,
   * the whole loss multiplied by {@link Constraints#infoVaeScale()}.
   *
   * @param alpha weight trading mutual information, finite
   * @param lambda weight of the divergence between the aggregate posterior and the prior, finite,
   *     with alpha + lambda - 1 >= 0 and 1 - alpha >= 0
   * @param constraints null for the (alpha, lambda) form; else the (mi, e1, e2) form, from which
   *     alpha and lambda follow (the values passed for them are replaced)
   */
  record InfoVae(double alpha, double lambda, Constraints constraints) implements Objective {
    public InfoVae {
      if (constraints != null) {
        alpha = constraints.infoVaeAlpha();
        lambda = constraints.infoVaeLambda();
      }
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

    /** The (alpha, lambda) form. */
    public InfoVae(double alpha, double lambda) {
      this(alpha, lambda, null);
    }

    /**
     * The (mi, e1, e2) form: LagVAE's Lagrangian with fixed multipliers, comparable point for point
     * with a LagVAE run of the same constraints.
     *
     * @throws IllegalArgumentException when the mapping is undefined: e1 <= 0, or e1 + mi <= 0
     */
    public static InfoVae of(Constraints constraints) {
      return new InfoVae(Double.NaN, Double.NaN, Objects.requireNonNull(constraints));
    }

    @Override
    public int samples() {
      return 1;
    }

    @Override
    public String name() {
      return "info_vae";
    }

    @Override
    public boolean drawsPriorBatch() {
      return true;
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
   * The Lagrangian VAE's problem (Zhao, Song and Ermon 2018; ermongroup/lagvae): minimize -mi
   * I_q(x;z) subject to consistency NLL + KL <= e1 and 1e4 MMD <= e2, NLL = mean -log p(x|z), KL
   * the single-sample estimate mean (log q(z|x) - log p(z)), MMD the V-statistic of the top layer's
   * samples against as many prior draws with the kernel exp(-|a - b|^2 / d^2), d the top layer's
   * dimension. Maximizing MI (mi > 0) uses its lower bound H(x) - NLL, minimizing it (mi <= 0) its
   * upper bound KL, which gives the Lagrangian, nats per example:
   *
   * <ul>
   *   <li>mi > 0: (lambda1 + mi) NLL + lambda1 KL + lambda2 1e4 MMD - lambda1 e1 - lambda2 e2
   *   <li>mi <= 0: lambda1 NLL + (lambda1 - mi) KL + lambda2 1e4 MMD - lambda1 e1 - lambda2 e2
   * </ul>
   *
   * @param mi the weight of the mutual information, finite; its sign picks the branch
   * @param e1 the bound on NLL + KL, nats per example, finite
   * @param e2 the bound on 1e4 MMD, finite and >= 0 (the V-statistic is never negative)
   */
  record Constraints(double mi, double e1, double e2) {
    /** The scale of the MMD in the constraint and the loss, as in the original code. */
    public static final double MMD_SCALE = 1e4;

    public Constraints {
      if (!Double.isFinite(mi)) {
        throw new IllegalArgumentException("mi must be finite, got " + mi);
      }
      if (!Double.isFinite(e1)) {
        throw new IllegalArgumentException("e1 must be finite, got " + e1);
      }
      if (!(e2 >= 0) || !Double.isFinite(e2)) {
        throw new IllegalArgumentException("e2 must be finite and >= 0, got " + e2);
      }
    }

    /** Whether the objective maximizes the mutual information (mi > 0, the NLL surrogate). */
    public boolean maximizesInformation() {
      return mi > 0;
    }

    /** The Lagrangian's weight of NLL at multiplier lambda1. */
    public double nllWeight(double lambda1) {
      return maximizesInformation() ? lambda1 + mi : lambda1;
    }

    /** The Lagrangian's weight of KL at multiplier lambda1. */
    public double klWeight(double lambda1) {
      return maximizesInformation() ? lambda1 : lambda1 - mi;
    }

    /**
     * The Lagrangian at multipliers (lambda1, lambda2), nats per example.
     *
     * @param mmd the scaled MMD, 1e4 times the V-statistic
     */
    public double lagrangian(double nll, double kl, double mmd, double lambda1, double lambda2) {
      return nllWeight(lambda1) * nll
          + klWeight(lambda1) * kl
          + lambda2 * mmd
          - lambda1 * e1
          - lambda2 * e2;
    }

    /**
     * The positive factor by which the Lagrangian with lambda1 = e1, lambda2 = e2 exceeds Zhao et
     * al.'s NLL + (1 - alpha) KL + (alpha + lambda - 1) 1e4 MMD (up to a constant): e1 + mi for mi
     * > 0, e1 otherwise.
     */
    public double infoVaeScale() {
      double scale = nllWeight(e1);
      if (!(scale > 0)) {
        throw new IllegalArgumentException(
            maximizesInformation()
                ? "e1 + mi must be > 0 to state info_vae by its constraints, got " + scale
                : "e1 must be > 0 to state info_vae by its constraints, got " + e1);
      }
      return scale;
    }

    /** InfoVAE's alpha: mi / (e1 + mi) for mi > 0, mi / e1 otherwise. */
    public double infoVaeAlpha() {
      return mi / infoVaeScale();
    }

    /** InfoVAE's lambda: (e1 + e2) / (e1 + mi) for mi > 0, (e1 - mi + e2) / e1 otherwise. */
    public double infoVaeLambda() {
      return (klWeight(e1) + e2) / infoVaeScale();
    }
  }

  /**
   * RMSProp as TensorFlow 1 defines it, which the Lagrange multipliers of LagVAE ascend with: a
   * mean square ms that starts at 1, ms = decay ms + (1 - decay) g^2, then lambda += learningRate g
   * / sqrt(ms + epsilon).
   *
   * @param learningRate > 0 and finite
   * @param decay in [0, 1)
   * @param epsilon > 0 and finite
   */
  record DualOptimizer(double learningRate, double decay, double epsilon) {
    /** The original code's settings: learning rate 1e-4 with TF1's decay 0.9 and epsilon 1e-10. */
    public static final DualOptimizer DEFAULT = new DualOptimizer(1e-4, 0.9, 1e-10);

    public DualOptimizer {
      if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
        throw new IllegalArgumentException(
            "learning_rate must be finite and > 0, got " + learningRate);
      }
      if (!(decay >= 0 && decay < 1)) {
        throw new IllegalArgumentException("decay must be in [0, 1), got " + decay);
      }
      if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
        throw new IllegalArgumentException("epsilon must be finite and > 0, got " + epsilon);
      }
    }
  }

  /**
   * LagVAE (Zhao, Song and Ermon 2018): the {@link Constraints} problem with both Lagrange
   * multipliers learned. They start at 1; every step computes the primal gradient and the
   * constraint values on the same batch, then Adam steps the model and {@link LagrangeMultipliers}
   * steps the multipliers by RMSProp ascent on the Lagrangian (d/d lambda1 = NLL + KL - e1, d/d
   * lambda2 = 1e4 MMD - e2), clipped to [1e-3, 100]. One sample per example.
   */
  record LagVae(Constraints constraints, DualOptimizer dualOptimizer) implements Objective {
    public LagVae {
      Objects.requireNonNull(constraints, "constraints");
      Objects.requireNonNull(dualOptimizer, "dualOptimizer");
    }

    @Override
    public int samples() {
      return 1;
    }

    @Override
    public String name() {
      return "lag_vae";
    }

    @Override
    public boolean drawsPriorBatch() {
      return true;
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

  /** The objectives of the DVAE family. */
  enum DvaeVariant {
    /** DVAE (Rolfe 2017): the ELBO with the spike-and-exponential smoothing. */
    DVAE("dvae"),
    /** DVAE++ (Vahdat et al. 2018): the ELBO with an overlapping smoothing (exp or power). */
    DVAE_PP("dvae-pp"),
    /**
     * DVAE# (Vahdat, Andriyash and Macready 2018): the k-sample importance-weighted bound of the
     * relaxed model, with the mean-field approximation of the relaxed prior's log Z~.
     */
    DVAE_SHARP("dvae-sharp");

    private final String cliName;

    DvaeVariant(String cliName) {
      this.cliName = cliName;
    }

    /** The name in the CLI, e.g. "dvae-sharp". */
    public String cliName() {
      return cliName;
    }

    /** Whether the objective is DVAE#'s importance-weighted bound. */
    public boolean importanceWeighted() {
      return this == DVAE_SHARP;
    }
  }

  /**
   * Persistent contrastive divergence for the gradient of the RBM prior's log Z.
   *
   * @param chains persistent chains, in [1, 100000]
   * @param sweeps block Gibbs sweeps per training step, in [1, 10000]
   */
  record Pcd(int chains, int sweeps) {
    /** The DVAE# paper's setting, 1000 chains x 40 sweeps. */
    public static final Pcd PAPER = new Pcd(1000, 40);

    /**
     * The default: 100 chains x 10 sweeps, sized so that an epoch of the 1-layer-nonlin structure
     * costs at most 3x a Gaussian IWAE k=5 epoch on a 2-core machine (bench/RESULTS.md).
     */
    public static final Pcd DEFAULT = new Pcd(100, 10);

    public Pcd {
      if (chains < 1 || chains > 100_000) {
        throw new IllegalArgumentException("pcd_chains must be in [1, 100000], got " + chains);
      }
      if (sweeps < 1 || sweeps > 10_000) {
        throw new IllegalArgumentException("pcd_sweeps must be in [1, 10000], got " + sweeps);
      }
    }
  }

  /**
   * Annealed importance sampling of the RBM's log Z when the job ends, stored in the bundle.
   *
   * @param temperatures linear inverse temperatures from 0 to 1, in [1, 1000000]
   * @param chains independent chains, in [2, 100000]
   */
  record Ais(int temperatures, int chains) {
    /** The original code's evaluation setting: 1000 temperatures, 1024 chains. */
    public static final Ais DEFAULT = new Ais(1000, 1024);

    public Ais {
      if (temperatures < 1 || temperatures > 1_000_000) {
        throw new IllegalArgumentException(
            "ais_temperatures must be in [1, 1000000], got " + temperatures);
      }
      if (chains < 2 || chains > 100_000) {
        throw new IllegalArgumentException("ais_chains must be in [2, 100000], got " + chains);
      }
    }
  }

  /**
   * The DVAE family's objectives for a model of Bernoulli latents with an {@link Prior#RBM} prior,
   * trained on a smoothing relaxation zeta of the latents (see {@link Smoothing}); the learning
   * rate follows the original code's schedule (x[0.1, 1, 1/3, 0.1, 1/33] of the base with
   * boundaries at 2%, 60%, 75% and 95% of the steps) and the KL weight kappa warms up linearly over
   * the first 30% of the steps. Per example and sample, with zeta_k from q(zeta|x):
   *
   * <ul>
   *   <li>DVAE and DVAE++: mean_k [-log p(x|zeta_k)] + kappa KL(q(z|x) || p(z)), the KL of the
   *       discrete factorial posterior against the RBM, CE - H with CE = -b1.q1 - b2.q2 - q1 W q2 +
   *       log Z;
   *   <li>DVAE#: -sum_k sg(w~_k) log w_k with log w_k = log p(x|zeta_k) + kappa (log p(zeta_k) -
   *       log q(zeta_k|x)), kappa inside the weights, log p(zeta) = log Z~(zeta) - log Z with log
   *       Z~ by 5 mean-field sweeps.
   * </ul>
   *
   * Every variant adds 1e-4 x 1/2 |W|^2 on the weights of the networks and the RBM. The gradient of
   * log Z comes from {@link Pcd}; the reported loss and bound leave log Z out (it is unknown while
   * training) until the job's end, when {@link Ais} estimates it for the bundle and the final
   * validation bound.
   *
   * @param variant which objective
   * @param smoothing the relaxation; spike-and-exp for DVAE, an overlapping one otherwise
   * @param k samples of zeta per example, in [1, MAX_SAMPLES]
   * @param pcd the persistent chains
   * @param ais the log Z estimate at the end
   */
  record Dvae(DvaeVariant variant, Smoothing smoothing, int k, Pcd pcd, Ais ais)
      implements Objective {
    /** The weight decay of the original code, on every weight matrix. */
    public static final double WEIGHT_DECAY = 1e-4;

    public Dvae {
      if (variant == null || smoothing == null || pcd == null || ais == null) {
        throw new IllegalArgumentException("variant, smoothing, pcd and ais are required");
      }
      checkSamples(k);
      boolean spike = smoothing.kind() == SmoothingKind.SPIKE_EXP;
      if (variant == DvaeVariant.DVAE && !spike) {
        throw new IllegalArgumentException(
            "objective dvae uses the spike-exp smoothing, got " + smoothing.kind().cliName());
      }
      if (variant != DvaeVariant.DVAE && spike) {
        throw new IllegalArgumentException(
            "objective "
                + variant.cliName()
                + " needs an overlapping smoothing (exp, power, uniform-exp, gaussian), got"
                + " spike-exp");
      }
      if (variant == DvaeVariant.DVAE_PP
          && smoothing.kind() != SmoothingKind.EXP
          && smoothing.kind() != SmoothingKind.POWER) {
        throw new IllegalArgumentException(
            "objective dvae-pp uses the exp or power smoothing, got " + smoothing.kind().cliName());
      }
    }

    @Override
    public int samples() {
      return k;
    }

    @Override
    public String name() {
      return variant.cliName().replace('-', '_');
    }

    /** Samples are relaxations of binary latents: no reparameterizable family is needed. */
    @Override
    public void check(VaeArchitecture architecture) {
      if (architecture.prior() != Prior.RBM) {
        throw new IllegalArgumentException(
            "objective " + name() + " needs the rbm prior, got " + architecture.prior().name());
      }
      if (architecture.layerCount() != 1) {
        throw new IllegalArgumentException(
            "objective "
                + name()
                + " trains one latent layer (the 1-layer structures), got "
                + architecture.layerCount());
      }
      StochasticLayer layer = architecture.layer(0);
      if (layer.family() != LatentFamily.BERNOULLI || layer.latentDim() < 2) {
        throw new IllegalArgumentException(
            "objective "
                + name()
                + " needs a bernoulli layer of >= 2 units, got "
                + layer.family().name()
                + " with "
                + layer.latentDim());
      }
      if (architecture.likelihood() != io.latentserve.model.LikelihoodFamily.BERNOULLI) {
        throw new IllegalArgumentException(
            "objective "
                + name()
                + " needs a bernoulli likelihood, got "
                + architecture.likelihood());
      }
    }

    /** The KL weight kappa at {@code step} of {@code totalSteps}: linear over the first 30%. */
    public static double klWeight(long step, long totalSteps) {
      double warmUp = 0.3 * totalSteps;
      return warmUp <= 0 ? 1 : Math.min(1, step / warmUp);
    }

    /**
     * The learning-rate multiplier at {@code step} of {@code totalSteps}: 0.1, 1, 1/3, 0.1, 1/33
     * with boundaries at 2%, 60%, 75% and 95%.
     */
    public static double learningRateScale(long step, long totalSteps) {
      double f = totalSteps <= 0 ? 1 : (double) step / totalSteps;
      if (f < 0.02) {
        return 0.1;
      }
      if (f < 0.60) {
        return 1;
      }
      if (f < 0.75) {
        return 1.0 / 3;
      }
      return f < 0.95 ? 0.1 : 1.0 / 33;
    }
  }

  private static void checkSamples(int k) {
    if (k < 1 || k > MAX_SAMPLES) {
      throw new IllegalArgumentException("k must be in [1, " + MAX_SAMPLES + "], got " + k);
    }
  }
}
