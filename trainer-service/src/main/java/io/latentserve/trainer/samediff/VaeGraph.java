package io.latentserve.trainer.samediff;

import io.latentserve.model.Dense;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.InferenceStructure;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.Prior;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.Objective;
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
 * The SameDiff graph of a VAE and its training objective.
 *
 * <p>Placeholders: {@code x} [B, D]; {@code x_rows} [B K, D], x with each row repeated K times;
 * {@code eps_<layer>} [B, K, d_l] for every layer; {@code prior_eps} [M, d_top] for InfoVAE
 * (samples of p(z) for the MMD); {@code dreg_weight} [B, K] for DReG (the normalized importance
 * weights w~, computed by a forward pass first). Outputs: {@code log_w}, {@code log_px_z}, {@code
 * log_pz}, {@code log_qz} [B, K]; {@code loss} and {@code bound} (scalars, nats per example); and
 * per layer {@code <layer>_mean}, {@code <layer>_logvar}, {@code <layer>} ([B, d_l] for a layer
 * whose encoder reads the data alone, e.g. layer 1 of the bottom-up chain, [B K, d_l] for the
 * others). HIT adds the scalar placeholder {@code kl_weight} (its warm-up weight, fed every step)
 * and the scalar outputs {@code rate_<layer>}, the batch means of each layer's analytic KL. A
 * Lagrangian objective (LagVAE, InfoVAE by its constraints) adds the scalar outputs {@code nll},
 * {@code kl} (the single-sample mean of log q - log p) and {@code mmd} (1e4 times the V-statistic
 * against {@code prior_eps}, which then holds B draws); LagVAE reads its multipliers from the
 * scalar placeholders {@code consistency_multiplier} and {@code mmd_multiplier}, fed every step,
 * while InfoVAE's are the constants e1 and e2. Variables hold the weights of a {@link VaeWeights},
 * named by {@link #variableName}.
 *
 * <p>A conditional architecture (C = conditionDim > 0) adds the placeholders {@code y} [B, C] and
 * {@code y_rows} [B K, C] (y with each row repeated K times): every encoder and decoder network
 * reads its input with y's columns appended, and the top prior is N(mu(y), exp(logvar(y))) with mu
 * and logvar affine in y (the layout of {@link VaeWeights}). InfoVAE's prior draws become mu(y) +
 * exp(logvar(y) / 2) prior_eps, one per sample row.
 *
 * <p>Latent layers follow their {@link LatentFamily} ({@link SdFamily}): a layer's encoder and the
 * decoder above it have one head per family parameter (outputs {@code <layer>_mean}, {@code
 * <layer>_logvar} or {@code <layer>_logits}); Bernoulli samples are z = step(l + eps) with logistic
 * eps. The top prior is N(0, I), the conditional prior, or a learned one, whose parameters are the
 * variables {@code prior_<top>_<parameter>_b} [d].
 *
 * <p>VIMCO and reweighted wake-sleep hold every sample constant (a stop-gradient), measure log q at
 * the samples from the family's density, and read their learning signals as placeholders computed
 * from a forward pass: {@code normalized_weight} [B, K] (w~) and, for VIMCO, {@code vimco_signal}
 * [B, K] (L - L_{-j}). The sleep phase of wake-sleep adds the dream noise placeholders {@code
 * dream_eps_<layer>} [M, d_l] and {@code dream_x_noise} [M, D] (M = B) and the output {@code
 * sleep_log_qz} [M].
 *
 * <p>The encoder runs in the order of the architecture's {@link InferenceStructure}, each layer
 * reading the concatenation its structure names. A layer whose encoder reads the data alone (layer
 * 1 of the bottom-up chain, the top of the top-down one) is evaluated once per example and
 * broadcast over the K samples; every other layer works on the B K samples as rows, reading x_rows.
 * Log densities follow the bundle's formulas (see {@code io.latentserve.model.ReferenceVae}); log q
 * uses (z - mean) exp(-logvar / 2) = eps except in DReG, where the parameters of q enter log q
 * through a stop-gradient.
 */
final class VaeGraph {
  static final String X = "x";
  static final String X_ROWS = "x_rows";
  static final String Y = "y";
  static final String Y_ROWS = "y_rows";
  static final String PRIOR_EPS = "prior_eps";
  static final String DREG_WEIGHT = "dreg_weight";
  static final String LOG_W = "log_w";
  static final String LOG_PX_Z = "log_px_z";
  static final String LOG_PZ = "log_pz";
  static final String LOG_QZ = "log_qz";
  static final String LOSS = "loss";
  static final String BOUND = "bound";
  static final String NORMALIZED_WEIGHT = "normalized_weight";
  static final String VIMCO_SIGNAL = "vimco_signal";
  static final String DREAM_X_NOISE = "dream_x_noise";
  static final String DREAM_X = "dream_x";
  static final String SLEEP_LOG_QZ = "sleep_log_qz";
  static final String NLL = "nll";
  static final String KL = "kl";
  static final String MMD = "mmd";
  static final String CONSISTENCY_MULTIPLIER = "consistency_multiplier";
  static final String MMD_MULTIPLIER = "mmd_multiplier";
  static final String KL_WEIGHT = "kl_weight";

  private final VaeArchitecture architecture;
  private final Objective objective;
  private final DataType dataType;
  private final SameDiff sd;
  private final List<String> parameterNames = new ArrayList<>();

  private SDVariable bk;

  private VaeGraph(VaeWeights weights, Objective objective, DataType dataType) {
    this.architecture = weights.architecture();
    this.objective = objective;
    this.dataType = dataType;
    this.sd = SameDiff.create();
    // One thread uses a model (TrainableVae is not thread-safe): plain maps instead of the default
    // per-device holders, which also copy any view handed to them; SameDiffVae keeps every
    // parameter as a view of one flat array.
    sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
    build(weights);
  }

  /** Builds the graph with its variables initialized to {@code weights}. */
  static VaeGraph create(VaeWeights weights, Objective objective, DataType dataType) {
    return new VaeGraph(weights, objective, dataType);
  }

  SameDiff sameDiff() {
    return sd;
  }

  VaeArchitecture architecture() {
    return architecture;
  }

  Objective objective() {
    return objective;
  }

  DataType dataType() {
    return dataType;
  }

  /** Names of the trainable variables, in a fixed order. */
  List<String> parameterNames() {
    return List.copyOf(parameterNames);
  }

  static String eps(StochasticLayer layer) {
    return "eps_" + layer.name();
  }

  /** The placeholder of a layer's dream noise in reweighted wake-sleep's sleep phase. */
  static String dreamEps(StochasticLayer layer) {
    return "dream_eps_" + layer.name();
  }

  /**
   * Name of one parameter: {@code <enc|dec>_<layer>_<h<i>|mean|logvar>_<w|b>}, e.g. {@code
   * enc_z1_h0_w}.
   */
  static String variableName(boolean encoder, String layer, String part, boolean weight) {
    return variableName(encoder ? Network.ENCODER : Network.DECODER, layer, part, weight);
  }

  /** The kinds of network, by the prefix of their variable names. */
  enum Network {
    ENCODER("enc_"),
    DECODER("dec_"),
    /** The conditional prior p(z_L|y) of the top layer. */
    PRIOR("prior_");

    final String prefix;

    Network(String prefix) {
      this.prefix = prefix;
    }
  }

  static String variableName(Network network, String layer, String part, boolean weight) {
    return network.prefix + layer + "_" + part + (weight ? "_w" : "_b");
  }

  private void build(VaeWeights weights) {
    int layers = architecture.layerCount();
    SDVariable x = sd.placeHolder(X, dataType, -1, architecture.inputDim());
    List<SDVariable> eps = new ArrayList<>();
    for (StochasticLayer layer : architecture.layers()) {
      eps.add(sd.placeHolder(eps(layer), dataType, -1, -1, layer.latentDim()));
    }
    // [B, K] as a shape vector, for reshaping per-sample rows back to [B, K, ...].
    bk = sd.shape(eps.get(0)).get(SDIndex.interval(0, 2));
    // q's parameters per layer, by index, for the analytic per-layer KLs of HIT
    SDVariable[][] posteriors = new SDVariable[layers][];
    int c = architecture.conditionDim();
    SDVariable y = c == 0 ? null : sd.placeHolder(Y, dataType, -1, c);
    SDVariable yRows = c == 0 ? null : sd.placeHolder(Y_ROWS, dataType, -1, c);

    boolean dreg = objective instanceof Objective.Dreg;
    // VIMCO and RWS hold the samples constant: a reparameterized sample must be detached, or its
    // path gradient would be counted on top of the score-function (or self-normalized) gradient.
    boolean detached = !objective.reparameterized();
    SDVariable dregWeight = null;
    SDVariable rowScale = null;
    if (dreg) {
      dregWeight = sd.placeHolder(DREG_WEIGHT, dataType, -1, -1);
      // d z_score / d z = w~ for the sample's row; the forward value is z exactly.
      rowScale = dregWeight.reshape(-1, 1).sub(1.0);
    }

    // Likelihood targets and the input of every per-sample encoder that reads the data: x repeated
    // K times, [B K, D] (x_rows, fed by the caller).
    int dim = architecture.inputDim();
    SDVariable xRows = sd.placeHolder(X_ROWS, dataType, -1, dim);

    // Encoder, in the order of the inference structure. z holds the samples that drive the encoders
    // that read them; score holds the samples at which the densities are evaluated (the same
    // values; DReG rescales their gradient). Both are indexed by layer. A layer whose encoder reads
    // the data alone is evaluated once per example and broadcast over its K samples; every other
    // layer works on the B K sample rows.
    List<SDVariable> z = new ArrayList<>(java.util.Collections.nCopies(layers, null));
    List<SDVariable> score = new ArrayList<>(java.util.Collections.nCopies(layers, null));
    SDVariable logQ = null;
    for (int l : architecture.inference().encodingOrder(layers)) {
      StochasticLayer layer = architecture.layer(l);
      LatentFamily family = layer.family();
      SdFamily sdFamily = SdFamily.of(family);
      int d = layer.latentDim();
      boolean perExampleLayer = readsDataOnly(l);
      SDVariable input =
          perExampleLayer
              ? withCondition(encoderInput(l, x, z), y)
              : withCondition(encoderInput(l, xRows, z), yRows);
      SDVariable[] q =
          mlp(
              Network.ENCODER,
              layer.name(),
              weights.encoders().get(l),
              family.parameterNames(),
              input,
              false);
      for (int p = 0; p < q.length; p++) {
        q[p] = q[p].rename(layer.name() + "_" + family.parameterNames().get(p));
      }
      posteriors[l] = q;
      SDVariable e = eps.get(l);
      SDVariable sampleRows;
      if (perExampleLayer) {
        // [B, 1, d] parameters against [B, K, d] noise
        sampleRows = sdFamily.sample(perExample(q, d), e).reshape(-1, d);
      } else {
        sampleRows = sdFamily.sample(q, e.reshape(-1, d));
      }
      if (detached) {
        sampleRows = SdMath.stopGradient(sampleRows);
      }
      sampleRows = sampleRows.rename(layer.name());
      z.set(l, sampleRows);
      SDVariable layerLogQ;
      if (dreg) {
        SDVariable scored =
            sampleRows.add(sampleRows.sub(SdMath.stopGradient(sampleRows)).mul(rowScale));
        score.set(l, scored);
        if (perExampleLayer) {
          // q(z_l|x): its parameters depend on x alone, so holding them fixed is a stop-gradient
          SDVariable m = SdMath.stopGradient(q[0]);
          SDVariable lv = SdMath.stopGradient(q[1]);
          SDVariable scored3 = scored.reshape(withLast(d));
          layerLogQ =
              SdMath.gaussianLogDensity(scored3, m.reshape(-1, 1, d), lv.reshape(-1, 1, d), 2, d)
                  .reshape(-1);
        } else {
          // q(z_l|.): hold the encoder's weights fixed, but not the samples it reads, through
          // which the path gradient flows (rescaled once, like every scored sample)
          SDVariable[] frozen =
              mlp(
                  Network.ENCODER,
                  layer.name(),
                  weights.encoders().get(l),
                  family.parameterNames(),
                  withCondition(encoderInput(l, xRows, score), yRows),
                  true);
          layerLogQ = SdMath.gaussianLogDensity(scored, frozen[0], frozen[1], 1, d);
        }
      } else if (detached) {
        score.set(l, sampleRows);
        if (perExampleLayer) {
          layerLogQ =
              sdFamily
                  .logDensity(sampleRows.reshape(withLast(d)), perExample(q, d), 2, d)
                  .reshape(-1);
        } else {
          layerLogQ = sdFamily.logDensity(sampleRows, q, 1, d);
        }
      } else {
        score.set(l, sampleRows);
        SDVariable logVar = q[1];
        SDVariable e2 = SdMath.sum(e.mul(e), 2, d, false); // [B, K]
        if (perExampleLayer) {
          // -0.5 (d log 2 pi + sum logvar + sum eps^2), the logvar sum shared by the K samples
          layerLogQ =
              e2.add(SdMath.sum(logVar, 1, d, true)).add(d * SdMath.LOG_2PI).mul(-0.5).reshape(-1);
        } else {
          layerLogQ =
              e2.reshape(-1).add(SdMath.sum(logVar, 1, d, false)).add(d * SdMath.LOG_2PI).mul(-0.5);
        }
      }
      logQ = logQ == null ? layerLogQ : logQ.add(layerLogQ);
    }

    // Prior: N(0, I), p(z_L|y) or learned constants on the top layer, p(z_l | z_{l+1}) from
    // decoder l+1 below it. [B K]
    StochasticLayer top = architecture.top();
    SDVariable topScore = score.get(layers - 1);
    SDVariable[] topPrior = priorParameters(weights, yRows);
    SDVariable logP;
    if (topPrior == null) {
      logP =
          SdMath.sum(topScore.mul(topScore), 1, top.latentDim(), false)
              .add(top.latentDim() * SdMath.LOG_2PI)
              .mul(-0.5);
    } else {
      logP = SdFamily.of(top.family()).logDensity(topScore, topPrior, 1, top.latentDim());
    }
    SDVariable[][] priors = new SDVariable[layers][];
    priors[layers - 1] = topPrior;
    for (int l = layers - 2; l >= 0; l--) {
      StochasticLayer layer = architecture.layer(l);
      SDVariable[] heads =
          mlp(
              Network.DECODER,
              architecture.layer(l + 1).name(),
              weights.decoders().get(l + 1),
              layer.family().parameterNames(),
              withCondition(score.get(l + 1), yRows),
              false);
      priors[l] = heads;
      logP =
          logP.add(
              SdFamily.of(layer.family()).logDensity(score.get(l), heads, 1, layer.latentDim()));
    }

    // Likelihood p(x | z1) over the B K sample rows, against x repeated K times: elementwise ops
    // on [B K, D] without broadcasting, which ND4J runs far faster.
    SDVariable logPx = logLikelihood(xRows, withCondition(score.get(0), yRows), weights);

    SDVariable logPz = logP.reshape(bk).rename(LOG_PZ);
    SDVariable logQz = logQ.reshape(bk).rename(LOG_QZ);
    logPx = logPx.reshape(bk).rename(LOG_PX_Z);
    SDVariable logW = logPx.add(logPz).sub(logQz).rename(LOG_W);

    SDVariable loss;
    SDVariable bound;
    int k = objective.samples();
    if (objective instanceof Objective.Hit hit) {
      bound = logW.mean();
      // D + w (beta_y R_y + beta_z R_z), K = 1: every layer's parameters have B rows
      SDVariable klWeight = sd.placeHolder(KL_WEIGHT, dataType);
      SDVariable weighted = null;
      for (int l = 0; l < layers; l++) {
        SDVariable rate = gaussianKl(posteriors[l], priors[l], architecture.layer(l).latentDim());
        rate.mean().rename(rate(architecture.layer(l)));
        SDVariable term = rate.mul(hit.beta(l));
        weighted = weighted == null ? term : weighted.add(term);
      }
      loss = logPx.reshape(-1).neg().add(weighted.mul(klWeight)).mean();
    } else if (objective instanceof Objective.BetaVae beta) {
      bound = logW.mean();
      loss = logPx.sub(logQz.sub(logPz).mul(beta.beta())).mean().neg();
    } else if (objective instanceof Objective.Iwae) {
      bound = SdMath.logMeanExp(logW, 1, k).mean();
      loss = bound.neg();
    } else if (dreg) {
      bound = SdMath.logMeanExp(logW, 1, k).mean();
      // sum_k w~_k log w_k per example, w~ a constant (placeholder): the IWAE gradient for the
      // decoder; the encoder's extra factor w~ comes from the rescaled sample gradient above.
      loss = SdMath.sum(logW.mul(dregWeight), 1, k, false).mean().neg();
    } else if (objective.constraints() != null) {
      bound = logW.mean();
      SDVariable mmd =
          SdMath.mmd(z.get(layers - 1), priorDraws(topPrior), top.latentDim())
              .mul(Objective.Constraints.MMD_SCALE)
              .rename(MMD);
      loss = lagrangian(objective.constraints(), logPx, logQz.sub(logPz), mmd);
    } else if (objective instanceof Objective.InfoVae info) {
      bound = logW.mean();
      SDVariable mmd =
          SdMath.mmd(z.get(layers - 1), priorDraws(topPrior), top.latentDim()).rename(MMD);
      loss =
          logPx
              .neg()
              .add(logQz.sub(logPz).mul(info.klWeight()))
              .mean()
              .add(mmd.mul(info.mmdWeight()));
    } else if (objective instanceof Objective.Vimco) {
      bound = SdMath.logMeanExp(logW, 1, k).mean();
      // sum_j sg(w~_j) log w_j + sg(L - L_{-j}) log q_j per example, the signals constants fed
      // from a forward pass; summed over the K samples, averaged over the batch
      SDVariable weight = sd.placeHolder(NORMALIZED_WEIGHT, dataType, -1, -1);
      SDVariable signal = sd.placeHolder(VIMCO_SIGNAL, dataType, -1, -1);
      loss = SdMath.sum(weight.mul(logW).add(signal.mul(logQz)), 1, k, false).mean().neg();
    } else if (objective instanceof Objective.Rws rws) {
      bound = SdMath.logMeanExp(logW, 1, k).mean();
      SDVariable weight = sd.placeHolder(NORMALIZED_WEIGHT, dataType, -1, -1);
      // With the samples constant, log p(x, z) depends on the decoders and the prior alone (theta)
      // and log q(z|x) on the encoders alone (phi): one sum routes each term to its parameters.
      SDVariable wake = logPx.add(logPz);
      if (rws.phi().wake()) {
        wake = wake.add(logQz);
      }
      loss = SdMath.sum(weight.mul(wake), 1, k, false).mean().neg();
      if (rws.phi().sleep()) {
        loss = loss.sub(sleepLogQ(weights, y).mean());
      }
    } else {
      bound = logW.mean();
      loss = bound.neg();
    }
    bound.rename(BOUND);
    loss.rename(LOSS);
    sd.setLossVariables(loss);
  }

  /**
   * KL(N(mean_q, exp(logvar_q)) || N(mean_p, exp(logvar_p))) summed over the d units of each row,
   * analytic: 0.5 sum(logvar_p - logvar_q + (exp(logvar_q) + (mean_q - mean_p)^2) / exp(logvar_p) -
   * 1); a null {@code p} is N(0, I). [rows]
   */
  private static SDVariable gaussianKl(SDVariable[] q, SDVariable[] p, int d) {
    SDVariable varQ = q[0].getSameDiff().math().exp(q[1]);
    SDVariable terms;
    if (p == null) {
      terms = varQ.add(q[0].mul(q[0])).sub(q[1]).sub(1.0);
    } else {
      SDVariable diff = q[0].sub(p[0]);
      SDVariable precisionP = q[0].getSameDiff().math().exp(p[1].neg());
      terms = p[1].sub(q[1]).add(varQ.add(diff.mul(diff)).mul(precisionP)).sub(1.0);
    }
    return SdMath.sum(terms, 1, d, false).mul(0.5);
  }

  /** The output {@code rate_<layer>}: the batch mean of a layer's analytic KL (HIT). */
  static String rate(StochasticLayer layer) {
    return "rate_" + layer.name();
  }

  /**
   * Draws of the top prior for the MMD from the placeholder {@code prior_eps}: N(0, I) draws as
   * they are, a conditional or learned prior's as mean + exp(logvar / 2) eps.
   */
  private SDVariable priorDraws(SDVariable[] topPrior) {
    SDVariable priorEps = sd.placeHolder(PRIOR_EPS, dataType, -1, architecture.top().latentDim());
    return topPrior == null
        ? priorEps
        : topPrior[0].add(sd.math().exp(topPrior[1].mul(0.5)).mul(priorEps));
  }

  /**
   * The Lagrangian of {@link Objective.Constraints} (one sample per example), with the outputs nll
   * and kl. LagVAE's multipliers are placeholders; InfoVAE's are the constants e1 and e2.
   */
  private SDVariable lagrangian(
      Objective.Constraints c, SDVariable logPx, SDVariable logRatio, SDVariable mmd) {
    SDVariable nll = logPx.neg().mean().rename(NLL);
    SDVariable kl = logRatio.mean().rename(KL);
    SDVariable lambda1;
    SDVariable lambda2;
    if (objective instanceof Objective.LagVae) {
      lambda1 = sd.placeHolder(CONSISTENCY_MULTIPLIER, dataType);
      lambda2 = sd.placeHolder(MMD_MULTIPLIER, dataType);
    } else {
      lambda1 = sd.constant(Nd4j.scalar(dataType, c.e1()));
      lambda2 = sd.constant(Nd4j.scalar(dataType, c.e2()));
    }
    // mi > 0: (lambda1 + mi) NLL + lambda1 KL; mi <= 0: lambda1 NLL + (lambda1 - mi) KL
    SDVariable nllWeight = c.maximizesInformation() ? lambda1.add(c.mi()) : lambda1;
    SDVariable klWeight = c.maximizesInformation() ? lambda1 : lambda1.sub(c.mi());
    return nll.mul(nllWeight)
        .add(kl.mul(klWeight))
        .add(mmd.mul(lambda2))
        .sub(lambda1.mul(c.e1()))
        .sub(lambda2.mul(c.e2()));
  }

  /** Each parameter [B, d] as [B, 1, d], to broadcast over the K samples of a row. */
  private static SDVariable[] perExample(SDVariable[] parameters, int d) {
    SDVariable[] out = new SDVariable[parameters.length];
    for (int p = 0; p < parameters.length; p++) {
      out[p] = parameters[p].reshape(-1, 1, d);
    }
    return out;
  }

  /**
   * The top prior's parameters for rows of the condition {@code condition} (ignored without one):
   * null for N(0, I), the conditional prior's heads [rows, d], or a learned prior's constants [1,
   * d] (broadcast over rows). A learned prior's variables are its heads' biases, {@code
   * prior_<top>_<parameter>_b}, [d].
   */
  private SDVariable[] priorParameters(VaeWeights weights, SDVariable condition) {
    Prior prior = architecture.prior();
    StochasticLayer top = architecture.top();
    List<String> names = top.family().parameterNames();
    if (!prior.hasWeights()) {
      return null;
    }
    if (prior.networkInputDim(architecture.conditionDim()) > 0) {
      return mlp(Network.PRIOR, top.name(), weights.prior(), names, condition, false);
    }
    SDVariable[] out = new SDVariable[names.size()];
    for (int p = 0; p < names.size(); p++) {
      String name = variableName(Network.PRIOR, top.name(), names.get(p), false);
      SDVariable b;
      if (sd.hasVariable(name)) {
        b = sd.getVariable(name);
      } else {
        Dense head = weights.prior().heads().get(p);
        b = sd.var(name, Nd4j.createFromArray(head.bias()).castTo(dataType));
        parameterNames.add(name);
      }
      out[p] = b.reshape(1, top.latentDim());
    }
    return out;
  }

  /** log p(x|z1) [rows] for x [rows, D], the decoder reading {@code input} (z1 and y). */
  private SDVariable logLikelihood(SDVariable x, SDVariable input, VaeWeights weights) {
    SDVariable[] px =
        withVarianceFloor(
            mlp(
                Network.DECODER,
                architecture.layer(0).name(),
                weights.decoders().get(0),
                likelihoodHeads(),
                input,
                false));
    int dim = architecture.inputDim();
    SDVariable mean = px[0];
    return switch (architecture.likelihood()) {
      case BERNOULLI -> SdMath.sum(x.mul(mean).sub(SdMath.softplus(mean)), 1, dim, false);
      case GAUSSIAN_FIXED -> {
        double sigma = architecture.likelihoodSigma();
        SDVariable diff = x.sub(mean);
        SDVariable terms =
            diff.mul(diff).mul(1.0 / (sigma * sigma)).add(SdMath.LOG_2PI + 2 * Math.log(sigma));
        yield SdMath.sum(terms, 1, dim, false).mul(-0.5);
      }
      case GAUSSIAN_LEARNED -> SdMath.gaussianLogDensity(x, mean, px[1], 1, dim);
    };
  }

  /**
   * The heads of p(x|z1) with a learned log variance held at or above the architecture's floor,
   * {@code max(logvar, f) = f + relu(logvar - f)} with f = log min_variance (relu rather than a max
   * op: its gradient is SameDiff's most exercised one), as the exported graphs and {@code
   * ReferenceVae} apply it; unchanged where there is no floor.
   */
  private SDVariable[] withVarianceFloor(SDVariable[] px) {
    double floor = architecture.likelihoodMinLogVariance();
    if (px.length < 2 || floor == Double.NEGATIVE_INFINITY) {
      return px;
    }
    return new SDVariable[] {px[0], sd.nn().relu(px[1].sub(floor), 0.0).add(floor)};
  }

  /** Names of the likelihood decoder's heads: mean, and logvar where it is learned. */
  private List<String> likelihoodHeads() {
    return architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED
        ? List.of("mean", "logvar")
        : List.of("mean");
  }

  /**
   * The sleep phase of reweighted wake-sleep: log q(z'|x') [M] at dreams (x', z') drawn ancestrally
   * from the model (z_L from the prior with the noise {@code dream_eps_<top>}, each layer below
   * from p(z_l|z_{l+1}) with {@code dream_eps_<layer>}, x' from p(x|z_1) with {@code
   * dream_x_noise}), all detached, so that only the encoders get a gradient. M is the batch size (a
   * conditional model's dreams read the batch's y). Outputs {@code dream_x} and {@code
   * dream_<layer>}.
   */
  private SDVariable sleepLogQ(VaeWeights weights, SDVariable y) {
    int layers = architecture.layerCount();
    SDVariable[] dream = new SDVariable[layers];
    SDVariable[] topPrior = priorParameters(weights, y);
    StochasticLayer top = architecture.top();
    SDVariable topEps = sd.placeHolder(dreamEps(top), dataType, -1, top.latentDim());
    dream[layers - 1] =
        topPrior == null ? topEps : SdFamily.of(top.family()).sample(topPrior, topEps);
    dream[layers - 1] = SdMath.stopGradient(dream[layers - 1]).rename("dream_" + top.name());
    for (int l = layers - 2; l >= 0; l--) {
      StochasticLayer layer = architecture.layer(l);
      SDVariable[] heads =
          mlp(
              Network.DECODER,
              architecture.layer(l + 1).name(),
              weights.decoders().get(l + 1),
              layer.family().parameterNames(),
              withCondition(dream[l + 1], y),
              false);
      SDVariable e = sd.placeHolder(dreamEps(layer), dataType, -1, layer.latentDim());
      dream[l] =
          SdMath.stopGradient(SdFamily.of(layer.family()).sample(heads, e))
              .rename("dream_" + layer.name());
    }
    SDVariable[] px =
        withVarianceFloor(
            mlp(
                Network.DECODER,
                architecture.layer(0).name(),
                weights.decoders().get(0),
                likelihoodHeads(),
                withCondition(dream[0], y),
                false));
    SDVariable noise = sd.placeHolder(DREAM_X_NOISE, dataType, -1, architecture.inputDim());
    SDVariable x =
        switch (architecture.likelihood()) {
          // x = 1 iff u < sigmoid(logits), as the inference service's Sample draws it
          case BERNOULLI -> sd.math().step(sd.nn().sigmoid(px[0]).sub(noise), 0.0);
          case GAUSSIAN_FIXED -> px[0].add(noise.mul(architecture.likelihoodSigma()));
          case GAUSSIAN_LEARNED -> px[0].add(sd.math().exp(px[1].mul(0.5)).mul(noise));
        };
    x = SdMath.stopGradient(x).rename(DREAM_X);
    List<SDVariable> dreams = java.util.Arrays.asList(dream);
    SDVariable logQ = null;
    for (int l = 0; l < layers; l++) {
      StochasticLayer layer = architecture.layer(l);
      SDVariable[] q =
          mlp(
              Network.ENCODER,
              layer.name(),
              weights.encoders().get(l),
              layer.family().parameterNames(),
              withCondition(encoderInput(l, x, dreams), y),
              false);
      SDVariable term = SdFamily.of(layer.family()).logDensity(dream[l], q, 1, layer.latentDim());
      logQ = logQ == null ? term : logQ.add(term);
    }
    return logQ.rename(SLEEP_LOG_QZ);
  }

  /** Whether layer {@code l}'s encoder reads the data alone (no other layer's sample). */
  private boolean readsDataOnly(int l) {
    return architecture.inference().encoderInputs(l, architecture.layerCount()).stream()
        .allMatch(InferenceStructure.EncoderInput::data);
  }

  /**
   * The input of layer {@code l}'s encoder without the condition: the data and the samples its
   * {@link InferenceStructure} names, concatenated in that order.
   *
   * @param data the data, rows matching the samples' rows
   * @param samples samples by layer index, those not yet drawn null
   */
  private SDVariable encoderInput(int l, SDVariable data, List<SDVariable> samples) {
    List<SDVariable> parts = new ArrayList<>();
    for (InferenceStructure.EncoderInput in :
        architecture.inference().encoderInputs(l, architecture.layerCount())) {
      parts.add(in.data() ? data : samples.get(in.layer()));
    }
    return parts.size() == 1 ? parts.get(0) : sd.concat(1, parts.toArray(new SDVariable[0]));
  }

  /**
   * {@code input} with the condition's columns appended; {@code input} itself when there is none.
   */
  private SDVariable withCondition(SDVariable input, SDVariable condition) {
    return condition == null ? input : sd.concat(1, input, condition);
  }

  /** [B, K, last] as a shape vector. */
  private SDVariable withLast(long last) {
    return sd.concat(0, bk, sd.constant(Nd4j.createFromArray(last)));
  }

  /**
   * The MLP of a {@link GaussianMlp} applied to rows of {@code input}: returns its heads, named by
   * {@code heads} (the family's parameter names, e.g. {mean, logvar} or {logits}). The first call
   * for a network creates its variables, later ones reuse them; a {@code frozen} call reuses them
   * behind a stop-gradient.
   */
  private SDVariable[] mlp(
      Network network,
      String layer,
      GaussianMlp weights,
      List<String> heads,
      SDVariable input,
      boolean frozen) {
    if (heads.size() != weights.headCount()) {
      throw new IllegalArgumentException(
          network.prefix + layer + " has " + weights.headCount() + " heads, not " + heads);
    }
    SDVariable h = input;
    for (int i = 0; i < weights.hidden().size(); i++) {
      h = dense(network, layer, "h" + i, weights.hidden().get(i), h, frozen);
      h =
          switch (architecture.activation()) {
            case TANH -> sd.math().tanh(h);
            case RELU -> sd.nn().relu(h, 0);
          };
    }
    SDVariable[] out = new SDVariable[heads.size()];
    for (int p = 0; p < out.length; p++) {
      out[p] = dense(network, layer, heads.get(p), weights.heads().get(p), h, frozen);
    }
    return out;
  }

  private SDVariable dense(
      Network network, String layer, String part, Dense dense, SDVariable in, boolean frozen) {
    String wName = variableName(network, layer, part, true);
    String bName = variableName(network, layer, part, false);
    if (frozen) {
      return sd.nn()
          .linear(
              in,
              SdMath.stopGradient(sd.getVariable(wName)),
              SdMath.stopGradient(sd.getVariable(bName)));
    }
    if (sd.hasVariable(wName)) {
      return sd.nn().linear(in, sd.getVariable(wName), sd.getVariable(bName));
    }
    INDArray w = Nd4j.createFromArray(dense.weight()).reshape(dense.in(), dense.out());
    INDArray b = Nd4j.createFromArray(dense.bias());
    SDVariable wv = sd.var(wName, w.castTo(dataType));
    SDVariable bv = sd.var(bName, b.castTo(dataType));
    parameterNames.add(wName);
    parameterNames.add(bName);
    return sd.nn().linear(in, wv, bv);
  }

  /** The current values of the variables as {@link VaeWeights} (rounded to float32). */
  VaeWeights weights() {
    List<GaussianMlp> encoders = new ArrayList<>();
    List<GaussianMlp> decoders = new ArrayList<>();
    for (int l = 0; l < architecture.layerCount(); l++) {
      StochasticLayer layer = architecture.layer(l);
      int hidden = layer.hidden().size();
      encoders.add(readMlp(Network.ENCODER, layer.name(), hidden, layer.family().parameterNames()));
      List<String> decoderHeads =
          l == 0 ? likelihoodHeads() : architecture.family(l - 1).parameterNames();
      decoders.add(readMlp(Network.DECODER, layer.name(), hidden, decoderHeads));
    }
    StochasticLayer top = architecture.top();
    Prior prior = architecture.prior();
    GaussianMlp priorWeights = null;
    if (prior.networkInputDim(architecture.conditionDim()) > 0) {
      priorWeights = readMlp(Network.PRIOR, top.name(), 0, top.family().parameterNames());
    } else if (prior.hasWeights()) {
      // a learned prior: heads without inputs, Dense [0, d] whose biases are the parameters
      List<Dense> heads = new ArrayList<>();
      for (String part : top.family().parameterNames()) {
        INDArray b = sd.getVariable(variableName(Network.PRIOR, top.name(), part, false)).getArr();
        heads.add(new Dense(0, top.latentDim(), new float[0], floats(b)));
      }
      priorWeights =
          new GaussianMlp(List.of(), heads.get(0), heads.size() > 1 ? heads.get(1) : null);
    }
    return new VaeWeights(architecture, encoders, decoders, priorWeights);
  }

  private GaussianMlp readMlp(Network network, String layer, int hidden, List<String> heads) {
    List<Dense> h = new ArrayList<>();
    for (int i = 0; i < hidden; i++) {
      h.add(readDense(network, layer, "h" + i));
    }
    return new GaussianMlp(
        h,
        readDense(network, layer, heads.get(0)),
        heads.size() > 1 ? readDense(network, layer, heads.get(1)) : null);
  }

  private Dense readDense(Network network, String layer, String part) {
    INDArray w = sd.getVariable(variableName(network, layer, part, true)).getArr();
    INDArray b = sd.getVariable(variableName(network, layer, part, false)).getArr();
    return new Dense((int) w.size(0), (int) w.size(1), floats(w), floats(b));
  }

  private static float[] floats(INDArray a) {
    return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
  }
}
