package io.latentserve.trainer.samediff;

import io.latentserve.model.Dense;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.Rbm;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.dvae.Smoothing;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The SameDiff graph of a one-layer DVAE-family model ({@link Objective.Dvae}): Bernoulli latents z
 * [d] with an RBM prior over their halves z1 = z[:n1], z2 = z[n1:], trained on a smoothing
 * relaxation zeta of z.
 *
 * <p>Placeholders: {@code x} [B, D] and {@code x_rows} [B K, D] (x with each row repeated K times);
 * {@code zeta} and {@code zeta_grad} [B, K, d], the relaxed samples and their implicit gradients d
 * zeta / d q, drawn in Java from the posterior probabilities of a first pass ({@link Smoothing});
 * {@code kappa} (scalar), the KL warm-up weight; {@code pcd_mean1} [1, n1], {@code pcd_mean2} [1,
 * n2], {@code pcd_correlation} [n1, n2], the persistent chains' statistics, whose dot product with
 * the RBM's parameters is a surrogate with the gradient of log Z; {@code eps_z} [B, K, d] logistic
 * noise for the discrete model's log weights.
 *
 * <p>Outputs: {@code logits} [B, d]; {@code loss} and {@code bound} (scalars, nats per example, log
 * Z left out); {@code log_w_discrete} [B, K], log p(x|z) - E(z) - log q(z|x) of the discrete model
 * at z = step(logits + eps_z), to which the caller adds -log Z.
 *
 * <p>The relaxed samples enter the decoder as zeta + g (q - sg(q)): the value of zeta with the
 * implicit-reparameterization gradient g in q = sigmoid(logits). Variables are named as in {@link
 * VaeGraph} ({@code enc_z1_h0_w}, ...) plus {@code rbm_b1}, {@code rbm_b2}, {@code rbm_w}.
 */
final class DvaeGraph {
  static final String X = "x";
  static final String X_ROWS = "x_rows";
  static final String ZETA = "zeta";
  static final String ZETA_GRAD = "zeta_grad";
  static final String KAPPA = "kappa";
  static final String PCD_MEAN1 = "pcd_mean1";
  static final String PCD_MEAN2 = "pcd_mean2";
  static final String PCD_CORRELATION = "pcd_correlation";
  static final String EPS_Z = "eps_z";
  static final String LOGITS = "logits";
  static final String LOSS = "loss";
  static final String BOUND = "bound";
  static final String LOG_W_DISCRETE = "log_w_discrete";
  static final String KL = "kl";
  static final String LOG_W = "log_w";
  static final String LOG_Z_TILDE = "log_z_tilde";
  static final String RBM_B1 = "rbm_b1";
  static final String RBM_B2 = "rbm_b2";
  static final String RBM_W = "rbm_w";

  /** Mean-field sweeps for log Z~ (DVAE#), as the original code. */
  static final int MEAN_FIELD_SWEEPS = 5;

  private final VaeArchitecture architecture;
  private final Objective.Dvae objective;
  private final DataType dataType;
  private final SameDiff sd;
  private final List<String> parameterNames = new ArrayList<>();
  private final List<String> weightNames = new ArrayList<>();
  private final int d;
  private final int n1;
  private final int n2;

  DvaeGraph(VaeWeights weights, Objective.Dvae objective, DataType dataType) {
    this.architecture = weights.architecture();
    this.objective = objective;
    this.dataType = dataType;
    this.d = architecture.layer(0).latentDim();
    this.n1 = architecture.rbmFirstHalf();
    this.n2 = d - n1;
    this.sd = SameDiff.create();
    sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
    build(weights);
  }

  SameDiff sameDiff() {
    return sd;
  }

  VaeArchitecture architecture() {
    return architecture;
  }

  Objective.Dvae objective() {
    return objective;
  }

  DataType dataType() {
    return dataType;
  }

  /** Trainable variables, in a fixed order. */
  List<String> parameterNames() {
    return List.copyOf(parameterNames);
  }

  int n1() {
    return n1;
  }

  int n2() {
    return n2;
  }

  private void build(VaeWeights weights) {
    StochasticLayer layer = architecture.layer(0);
    int dim = architecture.inputDim();
    SDVariable x = sd.placeHolder(X, dataType, -1, dim);
    SDVariable xRows = sd.placeHolder(X_ROWS, dataType, -1, dim);
    SDVariable zeta = sd.placeHolder(ZETA, dataType, -1, -1, d);
    SDVariable zetaGrad = sd.placeHolder(ZETA_GRAD, dataType, -1, -1, d);
    SDVariable kappa = sd.placeHolder(KAPPA, dataType);
    SDVariable bk = sd.shape(zeta).get(SDIndex.interval(0, 2));

    Rbm rbm = weights.rbm();
    SDVariable b1 = variable(RBM_B1, Nd4j.createFromArray(rbm.b1()).reshape(1, n1), false);
    SDVariable b2 = variable(RBM_B2, Nd4j.createFromArray(rbm.b2()).reshape(1, n2), false);
    SDVariable w = variable(RBM_W, Nd4j.createFromArray(rbm.w()).reshape(n1, n2), true);

    SDVariable logits =
        mlp(VaeGraph.Network.ENCODER, layer.name(), weights.encoders().get(0), "logits", x)
            .rename(LOGITS);
    SDVariable q = sd.nn().sigmoid(logits);
    // zeta + g (q - sg(q)) per sample: [B, K, d]
    SDVariable q3 = q.reshape(-1, 1, d);
    SDVariable relaxed3 = zeta.add(zetaGrad.mul(q3.sub(SdMath.stopGradient(q3))));
    SDVariable relaxed = relaxed3.reshape(-1, d);
    SDVariable logPx = logLikelihood(xRows, relaxed, weights).reshape(bk); // [B, K]

    // the persistent chains' surrogate: value 0, gradient E_p[z1], E_p[z2], E_p[z1 z2^T]
    SDVariable m1 = sd.placeHolder(PCD_MEAN1, dataType, 1, n1);
    SDVariable m2 = sd.placeHolder(PCD_MEAN2, dataType, 1, n2);
    SDVariable corr = sd.placeHolder(PCD_CORRELATION, dataType, n1, n2);
    SDVariable logZ = b1.mul(m1).sum().add(b2.mul(m2).sum()).add(w.mul(corr).sum());
    SDVariable logZGradient = logZ.sub(SdMath.stopGradient(logZ));

    SDVariable loss;
    SDVariable bound;
    int k = objective.k();
    if (objective.variant().importanceWeighted()) {
      SDVariable logW =
          importanceLogWeights(logits, relaxed3, logPx, kappa, b1, b2, w, bk).rename(LOG_W);
      bound = SdMath.logMeanExp(logW, 1, k).mean();
      // -sum_k sg(w~_k) log w_k, with w~ the softmax of the constant log weights
      SDVariable constant = SdMath.stopGradient(logW);
      SDVariable shifted = sd.math().exp(constant.sub(sd.max(constant, true, 1)));
      SDVariable normalized = SdMath.stopGradient(shifted.div(shifted.sum(true, 1)));
      loss = SdMath.sum(normalized.mul(logW), 1, k, false).mean().neg();
    } else {
      SDVariable kl = klWithoutLogZ(logits, q, b1, b2, w).rename(KL); // [B]
      SDVariable meanLogPx = SdMath.sum(logPx, 1, k, false).div(k);
      bound = meanLogPx.sub(kl).mean();
      loss = meanLogPx.neg().add(kl.mul(kappa)).mean();
    }
    loss = loss.add(logZGradient.mul(kappa)).add(weightDecay());
    bound.rename(BOUND);
    loss.rename(LOSS);
    sd.setLossVariables(loss);

    discreteLogWeights(x, xRows, logits, weights, b1, b2, w);
  }

  /**
   * DVAE++'s KL(q(z|x) || p(z)) less log Z, per example [B]: the cross-entropy -b1.q1 - b2.q2 - q1
   * W q2 (z1 and z2 independent under q) less the Bernoulli entropy sum q softplus(-l) + (1 - q)
   * softplus(l).
   */
  private SDVariable klWithoutLogZ(
      SDVariable logits, SDVariable q, SDVariable b1, SDVariable b2, SDVariable w) {
    SDVariable q1 = q.get(SDIndex.all(), SDIndex.interval(0, n1));
    SDVariable q2 = q.get(SDIndex.all(), SDIndex.interval(n1, d));
    SDVariable crossEntropy =
        q1.mul(b1).sum(1).add(q2.mul(b2).sum(1)).add(q1.mmul(w).mul(q2).sum(1)).neg();
    SDVariable entropy =
        q.mul(SdMath.softplus(logits.neg())).add(q.rsub(1.0).mul(SdMath.softplus(logits))).sum(1);
    return crossEntropy.sub(entropy);
  }

  /**
   * DVAE#'s log w = log p(x|zeta) + kappa (log Z~(zeta) - log q(zeta|x)) per sample [B, K], log Z
   * left out. log Z~(zeta) = log sum_z exp(-E(z) + sum_i z_i b_i(zeta) + log r(zeta_i|0)), b_i =
   * log r(zeta_i|1) - log r(zeta_i|0), by mean field: m from {@link #MEAN_FIELD_SWEEPS} sweeps
   * starting at 0.5 (a constant of the gradient), value -E_aug(m) + H(m), gradient through E_aug.
   */
  private SDVariable importanceLogWeights(
      SDVariable logits,
      SDVariable relaxed3,
      SDVariable logPx,
      SDVariable kappa,
      SDVariable b1,
      SDVariable b2,
      SDVariable w,
      SDVariable bk) {
    SdSmoothing smoothing = new SdSmoothing(objective.smoothing());
    SDVariable logR0 = smoothing.logR0(relaxed3); // [B, K, d]
    SDVariable logR1 = smoothing.logR1(relaxed3);
    // log q(zeta|x) = sum log((1 - q) r0 + q r1), as logaddexp(a, b) = a + softplus(b - a)
    SDVariable l3 = logits.reshape(-1, 1, d);
    SDVariable a = logR0.sub(SdMath.softplus(l3));
    SDVariable b = logR1.sub(SdMath.softplus(l3.neg()));
    SDVariable logQ = SdMath.sum(a.add(SdMath.softplus(b.sub(a))), 2, d, false); // [B, K]

    SDVariable field = logR1.sub(logR0).reshape(-1, d); // [B K, d]
    SDVariable field1 = field.get(SDIndex.all(), SDIndex.interval(0, n1));
    SDVariable field2 = field.get(SDIndex.all(), SDIndex.interval(n1, d));
    SDVariable a1 = SdMath.stopGradient(field1.add(b1));
    SDVariable a2 = SdMath.stopGradient(field2.add(b2));
    SDVariable wc = SdMath.stopGradient(w);
    SDVariable mf2 = a2.mul(0.0).add(0.5);
    SDVariable mf1 = null;
    for (int s = 0; s < MEAN_FIELD_SWEEPS; s++) {
      mf1 = sd.nn().sigmoid(a1.add(mf2.mmul(sd.transpose(wc))));
      mf2 = sd.nn().sigmoid(a2.add(mf1.mmul(wc)));
    }
    mf1 = SdMath.stopGradient(mf1);
    mf2 = SdMath.stopGradient(mf2);
    SDVariable negativeEnergy =
        mf1.mul(b1)
            .sum(1)
            .add(mf2.mul(b2).sum(1))
            .add(mf1.mmul(w).mul(mf2).sum(1))
            .add(mf1.mul(field1).sum(1))
            .add(mf2.mul(field2).sum(1))
            .add(logR0.reshape(-1, d).sum(1));
    SDVariable logZTilde =
        negativeEnergy.add(entropy(mf1)).add(entropy(mf2)).reshape(bk).rename(LOG_Z_TILDE);
    return logPx.add(logZTilde.sub(logQ).mul(kappa));
  }

  private SDVariable entropy(SDVariable m) {
    SDVariable c = sd.math().clipByValue(m, 1e-7, 1 - 1e-7);
    return c.mul(sd.math().log(c)).add(c.rsub(1.0).mul(sd.math().log(c.rsub(1.0)))).sum(1).neg();
  }

  private SDVariable weightDecay() {
    SDVariable total = null;
    for (String name : weightNames) {
      SDVariable v = sd.getVariable(name);
      SDVariable term = v.mul(v).sum();
      total = total == null ? term : total.add(term);
    }
    return total.mul(0.5 * Objective.Dvae.WEIGHT_DECAY);
  }

  /**
   * The discrete model's log p(x|z) - E(z) - log q(z|x) [B, K] at z = step(logits + eps_z), the
   * bundle's Bernoulli sampling: what the evaluator's importance weights compute, less log Z.
   */
  private void discreteLogWeights(
      SDVariable x,
      SDVariable xRows,
      SDVariable logits,
      VaeWeights weights,
      SDVariable b1,
      SDVariable b2,
      SDVariable w) {
    SDVariable eps = sd.placeHolder(EPS_Z, dataType, -1, -1, d);
    SDVariable bk = sd.shape(eps).get(SDIndex.interval(0, 2));
    SDVariable l3 = logits.reshape(-1, 1, d);
    SDVariable z3 = sd.math().step(l3.add(eps), 0.0);
    SDVariable logQ = SdMath.sum(z3.mul(l3).sub(SdMath.softplus(l3)), 2, d, false);
    SDVariable z = z3.reshape(-1, d);
    SDVariable z1 = z.get(SDIndex.all(), SDIndex.interval(0, n1));
    SDVariable z2 = z.get(SDIndex.all(), SDIndex.interval(n1, d));
    SDVariable negativeEnergy =
        z1.mul(b1).sum(1).add(z2.mul(b2).sum(1)).add(z1.mmul(w).mul(z2).sum(1));
    SDVariable logPx = logLikelihood(xRows, z, weights);
    logPx.add(negativeEnergy).reshape(bk).sub(logQ).rename(LOG_W_DISCRETE);
  }

  /** log p(x|zeta) [rows] for x [rows, D], Bernoulli pixels. */
  private SDVariable logLikelihood(SDVariable x, SDVariable input, VaeWeights weights) {
    SDVariable logits =
        mlp(
            VaeGraph.Network.DECODER,
            architecture.layer(0).name(),
            weights.decoders().get(0),
            "mean",
            input);
    return SdMath.sum(
        x.mul(logits).sub(SdMath.softplus(logits)), 1, architecture.inputDim(), false);
  }

  private SDVariable mlp(
      VaeGraph.Network network, String layer, GaussianMlp weights, String head, SDVariable input) {
    SDVariable h = input;
    for (int i = 0; i < weights.hidden().size(); i++) {
      h = dense(network, layer, "h" + i, weights.hidden().get(i), h);
      h =
          switch (architecture.activation()) {
            case TANH -> sd.math().tanh(h);
            case RELU -> sd.nn().relu(h, 0);
          };
    }
    return dense(network, layer, head, weights.heads().get(0), h);
  }

  private SDVariable dense(
      VaeGraph.Network network, String layer, String part, Dense dense, SDVariable in) {
    String wName = VaeGraph.variableName(network, layer, part, true);
    String bName = VaeGraph.variableName(network, layer, part, false);
    if (sd.hasVariable(wName)) {
      return sd.nn().linear(in, sd.getVariable(wName), sd.getVariable(bName));
    }
    SDVariable wv =
        variable(
            wName, Nd4j.createFromArray(dense.weight()).reshape(dense.in(), dense.out()), true);
    SDVariable bv = variable(bName, Nd4j.createFromArray(dense.bias()).reshape(dense.out()), false);
    return sd.nn().linear(in, wv, bv);
  }

  private SDVariable variable(String name, INDArray value, boolean weight) {
    parameterNames.add(name);
    if (weight) {
      weightNames.add(name);
    }
    return sd.var(name, value.castTo(dataType));
  }

  /** The current values as {@link VaeWeights} (float32), without a log Z. */
  VaeWeights weights() {
    StochasticLayer layer = architecture.layer(0);
    GaussianMlp encoder = readMlp(VaeGraph.Network.ENCODER, layer, "logits");
    GaussianMlp decoder = readMlp(VaeGraph.Network.DECODER, layer, "mean");
    return new VaeWeights(architecture, List.of(encoder), List.of(decoder), null, rbm(), null);
  }

  /** The RBM prior's current parameters. */
  Rbm rbm() {
    return new Rbm(floats(RBM_B1), floats(RBM_B2), floats(RBM_W));
  }

  private GaussianMlp readMlp(VaeGraph.Network network, StochasticLayer layer, String head) {
    List<Dense> hidden = new ArrayList<>();
    for (int i = 0; i < layer.hidden().size(); i++) {
      hidden.add(readDense(network, layer.name(), "h" + i));
    }
    return new GaussianMlp(hidden, readDense(network, layer.name(), head), null);
  }

  private Dense readDense(VaeGraph.Network network, String layer, String part) {
    String wName = VaeGraph.variableName(network, layer, part, true);
    INDArray w = sd.getVariable(wName).getArr();
    return new Dense(
        (int) w.size(0),
        (int) w.size(1),
        floats(wName),
        floats(VaeGraph.variableName(network, layer, part, false)));
  }

  private float[] floats(String name) {
    return sd.getVariable(name).getArr().castTo(DataType.FLOAT).dup('c').data().asFloat();
  }
}
