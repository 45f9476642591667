package io.latentserve.bundle;

/** Input and output names of the bundle graphs described in {@link GraphRole}. */
public final class GraphNames {
  public static final String X = "x";

  /**
   * The condition y [N, C] of a conditional model: an input of every graph of a conditional bundle,
   * one row per example (shared by its K samples in {@link GraphRole#LOG_WEIGHTS}).
   */
  public static final String CONDITION = "condition";

  public static final String X_MEAN = "x_mean";
  public static final String X_LOGVAR = "x_logvar";
  public static final String LOG_PX_Z = "log_px_z";
  public static final String LOG_PZ = "log_pz";
  public static final String LOG_QZ = "log_qz";
  public static final String LOG_W = "log_w";

  private GraphNames() {}

  /**
   * The noise a layer's samples are drawn from, of its family's {@link
   * io.latentserve.model.NoiseKind} (N(0, 1) for Gaussian, Logistic(0, 1) for Bernoulli), e.g.
   * "eps_z1".
   */
  public static String eps(String layer) {
    return "eps_" + layer;
  }

  /** The sample of a layer, e.g. "z1". */
  public static String sample(String layer) {
    return layer;
  }

  /**
   * One parameter of a layer's posterior, named by its family ({@link
   * io.latentserve.model.LatentFamily#parameterNames()}), e.g. "z1_mean", "z1_logvar", "z1_logits".
   */
  public static String parameter(String layer, String parameter) {
    return layer + "_" + parameter;
  }

  /** One parameter of a layer's prior, e.g. "z1_prior_mean", "z2_prior_logits". */
  public static String priorParameter(String layer, String parameter) {
    return layer + "_prior_" + parameter;
  }

  /** The mean of a Gaussian layer's posterior, {@code parameter(layer, "mean")}. */
  public static String mean(String layer) {
    return parameter(layer, "mean");
  }

  /** The log variance of a Gaussian layer's posterior, {@code parameter(layer, "logvar")}. */
  public static String logVariance(String layer) {
    return parameter(layer, "logvar");
  }

  /** The mean of a Gaussian layer's prior, {@code priorParameter(layer, "mean")}. */
  public static String priorMean(String layer) {
    return priorParameter(layer, "mean");
  }

  /** The log variance of a Gaussian layer's prior, {@code priorParameter(layer, "logvar")}. */
  public static String priorLogVariance(String layer) {
    return priorParameter(layer, "logvar");
  }

  /** Per-layer log prior density log p(z_l | z_{l+1}), e.g. "log_p_z1". */
  public static String logPrior(String layer) {
    return "log_p_" + layer;
  }

  /** Per-layer log posterior density log q(z_l | z_{l-1}), e.g. "log_q_z1". */
  public static String logPosterior(String layer) {
    return "log_q_" + layer;
  }
}
