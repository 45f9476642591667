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

  /** Reparameterization noise of a layer, e.g. "eps_z1". */
  public static String eps(String layer) {
    return "eps_" + layer;
  }

  /** The sample of a layer, e.g. "z1". */
  public static String sample(String layer) {
    return layer;
  }

  public static String mean(String layer) {
    return layer + "_mean";
  }

  public static String logVariance(String layer) {
    return layer + "_logvar";
  }

  public static String priorMean(String layer) {
    return layer + "_prior_mean";
  }

  public static String priorLogVariance(String layer) {
    return layer + "_prior_logvar";
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
