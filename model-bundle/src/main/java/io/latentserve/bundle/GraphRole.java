package io.latentserve.bundle;

/**
 * The ONNX graphs of a bundle. Input and output names are in {@link GraphNames}; N is the batch, K
 * the number of importance samples, D the input size, d_l the size of latent layer l. All tensors
 * are float32; log densities are in nats.
 *
 * <p>Every graph of a conditional model ({@link
 * io.latentserve.model.VaeArchitecture#conditional()}) also takes condition [N,C], the y that every
 * network and the top prior read, and its decoder also outputs the top layer's prior
 * &lt;top&gt;_prior_mean, &lt;top&gt;_prior_logvar [N,d_L] of p(z_L|y) (Sample draws z_L from
 * them). Unconditional graphs are unchanged.
 */
public enum GraphRole {
  /**
   * x [N,D], eps_&lt;layer&gt; [N,d_l] for every layer -> &lt;layer&gt;_mean, &lt;layer&gt;_logvar,
   * &lt;layer&gt; [N,d_l] for every layer, with z_l = mean + exp(logvar / 2) * eps; layer l+1 is
   * conditioned on the sample z_l.
   */
  ENCODER("encoder.onnx"),
  /**
   * &lt;top&gt; [N,d_L], eps_&lt;layer&gt; [N,d_l] for every layer below the top -> x_mean [N,D]
   * (Bernoulli probabilities or Gaussian mean), x_logvar [N,D] for a learned Gaussian, and for
   * every layer below the top &lt;layer&gt;_prior_mean, &lt;layer&gt;_prior_logvar, &lt;layer&gt;
   * [N,d_l].
   */
  DECODER("decoder.onnx"),
  /**
   * x [N,D], &lt;layer&gt; [N,d_l] for every layer -> log_px_z [N], log_pz [N] (summed over layers)
   * and log_p_&lt;layer&gt; [N] per layer.
   */
  LOG_JOINT("log_joint.onnx"),
  /**
   * x [N,D], &lt;layer&gt; [N,d_l] for every layer -> log_qz [N] and log_q_&lt;layer&gt; [N] per
   * layer.
   */
  LOG_POSTERIOR("log_posterior.onnx"),
  /**
   * x [N,D], eps_&lt;layer&gt; [N,K,d_l] for every layer -> log_w, log_px_z, log_pz, log_qz [N,K],
   * where z is sampled from q(z|x) with the given noise and log_w = log_px_z + log_pz - log_qz.
   */
  LOG_WEIGHTS("log_weights.onnx");

  private final String fileName;

  GraphRole(String fileName) {
    this.fileName = fileName;
  }

  /** The graph's file name inside a bundle folder. */
  public String fileName() {
    return fileName;
  }
}
