package io.latentserve.trainer.samediff;

import io.latentserve.model.Dense;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.LikelihoodFamily;
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
 * per layer {@code <layer>_mean}, {@code <layer>_logvar}, {@code <layer>} ([B, d_1] for layer 1, [B
 * K, d_l] above it). Variables hold the weights of a {@link VaeWeights}, named by {@link
 * #variableName}.
 *
 * <p>A conditional architecture (C = conditionDim > 0) adds the placeholders {@code y} [B, C] and
 * {@code y_rows} [B K, C] (y with each row repeated K times): every encoder and decoder network
 * reads its input with y's columns appended, and the top prior is N(mu(y), exp(logvar(y))) with mu
 * and logvar affine in y (the layout of {@link VaeWeights}). InfoVAE's prior draws become mu(y) +
 * exp(logvar(y) / 2) prior_eps, one per sample row.
 *
 * <p>Layer 1's posterior is evaluated once per example and broadcast over the K samples; every
 * layer above works on the B K samples as rows. Log densities follow the bundle's formulas (see
 * {@code io.latentserve.model.ReferenceVae}); log q uses (z - mean) exp(-logvar / 2) = eps except
 * in DReG, where the parameters of q enter log q through a stop-gradient.
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
    int c = architecture.conditionDim();
    SDVariable y = c == 0 ? null : sd.placeHolder(Y, dataType, -1, c);
    SDVariable yRows = c == 0 ? null : sd.placeHolder(Y_ROWS, dataType, -1, c);

    boolean dreg = objective instanceof Objective.Dreg;
    SDVariable dregWeight = null;
    SDVariable rowScale = null;
    if (dreg) {
      dregWeight = sd.placeHolder(DREG_WEIGHT, dataType, -1, -1);
      // d z_score / d z = w~ for the sample's row; the forward value is z exactly.
      rowScale = dregWeight.reshape(-1, 1).sub(1.0);
    }

    // Encoder, bottom-up. z holds the samples that drive the next encoder layer; score holds the
    // samples at which the densities are evaluated (the same values; DReG rescales their gradient).
    List<SDVariable> z = new ArrayList<>();
    List<SDVariable> score = new ArrayList<>();
    SDVariable logQ = null;
    for (int l = 0; l < layers; l++) {
      StochasticLayer layer = architecture.layer(l);
      int d = layer.latentDim();
      SDVariable input = l == 0 ? withCondition(x, y) : withCondition(z.get(l - 1), yRows);
      SDVariable[] heads = mlp(true, layer.name(), weights.encoders().get(l), input, false);
      SDVariable mean = heads[0].rename(layer.name() + "_mean");
      SDVariable logVar = heads[1].rename(layer.name() + "_logvar");
      SDVariable e = eps.get(l);
      SDVariable sample;
      SDVariable sampleRows;
      if (l == 0) {
        // [B, 1, d] + [B, 1, d] * [B, K, d]
        sample =
            mean.reshape(-1, 1, d).add(sd.math().exp(logVar.reshape(-1, 1, d).mul(0.5)).mul(e));
        sampleRows = sample.reshape(-1, d);
      } else {
        sampleRows = mean.add(sd.math().exp(logVar.mul(0.5)).mul(e.reshape(-1, d)));
      }
      sampleRows = sampleRows.rename(layer.name());
      z.add(sampleRows);
      SDVariable layerLogQ;
      if (dreg) {
        SDVariable scored =
            sampleRows.add(sampleRows.sub(SdMath.stopGradient(sampleRows)).mul(rowScale));
        score.add(scored);
        if (l == 0) {
          // q(z1|x): its parameters depend on x alone, so holding them fixed is a stop-gradient
          SDVariable m = SdMath.stopGradient(mean);
          SDVariable lv = SdMath.stopGradient(logVar);
          SDVariable scored3 = scored.reshape(withLast(d));
          layerLogQ =
              SdMath.gaussianLogDensity(scored3, m.reshape(-1, 1, d), lv.reshape(-1, 1, d), 2, d)
                  .reshape(-1);
        } else {
          // q(z_l|z_{l-1}): hold the encoder's weights fixed, but not the sample below, through
          // which the path gradient flows (rescaled once, like every scored sample)
          SDVariable[] frozen =
              mlp(
                  true,
                  layer.name(),
                  weights.encoders().get(l),
                  withCondition(score.get(l - 1), yRows),
                  true);
          layerLogQ = SdMath.gaussianLogDensity(scored, frozen[0], frozen[1], 1, d);
        }
      } else {
        score.add(sampleRows);
        SDVariable e2 = SdMath.sum(e.mul(e), 2, d, false); // [B, K]
        if (l == 0) {
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

    // Prior: N(0, I) (or p(z_L|y)) on the top layer, p(z_l | z_{l+1}) from decoder l+1 below it.
    // [B K]
    StochasticLayer top = architecture.top();
    SDVariable topScore = score.get(layers - 1);
    SDVariable[] conditionalPrior = null;
    SDVariable logP;
    if (c == 0) {
      logP =
          SdMath.sum(topScore.mul(topScore), 1, top.latentDim(), false)
              .add(top.latentDim() * SdMath.LOG_2PI)
              .mul(-0.5);
    } else {
      conditionalPrior = mlp(Network.PRIOR, top.name(), weights.prior(), yRows, false);
      logP =
          SdMath.gaussianLogDensity(
              topScore, conditionalPrior[0], conditionalPrior[1], 1, top.latentDim());
    }
    for (int l = layers - 2; l >= 0; l--) {
      StochasticLayer layer = architecture.layer(l);
      SDVariable[] heads =
          mlp(
              false,
              architecture.layer(l + 1).name(),
              weights.decoders().get(l + 1),
              withCondition(score.get(l + 1), yRows),
              false);
      logP =
          logP.add(
              SdMath.gaussianLogDensity(score.get(l), heads[0], heads[1], 1, layer.latentDim()));
    }

    // Likelihood p(x | z1) over the B K sample rows, against x repeated K times (x_rows, fed by
    // the caller): elementwise ops on [B K, D] without broadcasting, which ND4J runs far faster.
    SDVariable[] px =
        mlp(
            false,
            architecture.layer(0).name(),
            weights.decoders().get(0),
            withCondition(score.get(0), yRows),
            false);
    int dim = architecture.inputDim();
    SDVariable xRows = sd.placeHolder(X_ROWS, dataType, -1, dim);
    SDVariable mean = px[0];
    SDVariable logPx =
        switch (architecture.likelihood()) {
          case BERNOULLI -> SdMath.sum(xRows.mul(mean).sub(SdMath.softplus(mean)), 1, dim, false);
          case GAUSSIAN_FIXED -> {
            double sigma = architecture.likelihoodSigma();
            SDVariable diff = xRows.sub(mean);
            SDVariable terms =
                diff.mul(diff).mul(1.0 / (sigma * sigma)).add(SdMath.LOG_2PI + 2 * Math.log(sigma));
            yield SdMath.sum(terms, 1, dim, false).mul(-0.5);
          }
          case GAUSSIAN_LEARNED -> SdMath.gaussianLogDensity(xRows, mean, px[1], 1, dim);
        };

    SDVariable logPz = logP.reshape(bk).rename(LOG_PZ);
    SDVariable logQz = logQ.reshape(bk).rename(LOG_QZ);
    logPx = logPx.reshape(bk).rename(LOG_PX_Z);
    SDVariable logW = logPx.add(logPz).sub(logQz).rename(LOG_W);

    SDVariable loss;
    SDVariable bound;
    int k = objective.samples();
    if (objective instanceof Objective.BetaVae beta) {
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
    } else if (objective instanceof Objective.InfoVae info) {
      bound = logW.mean();
      SDVariable priorEps = sd.placeHolder(PRIOR_EPS, dataType, -1, top.latentDim());
      SDVariable priorDraws =
          conditionalPrior == null
              ? priorEps
              : conditionalPrior[0].add(sd.math().exp(conditionalPrior[1].mul(0.5)).mul(priorEps));
      SDVariable mmd = SdMath.mmd(z.get(layers - 1), priorDraws, top.latentDim()).rename("mmd");
      loss =
          logPx
              .neg()
              .add(logQz.sub(logPz).mul(info.klWeight()))
              .mean()
              .add(mmd.mul(info.mmdWeight()));
    } else {
      bound = logW.mean();
      loss = bound.neg();
    }
    bound.rename(BOUND);
    loss.rename(LOSS);
    sd.setLossVariables(loss);
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
   * The MLP of a {@link GaussianMlp} applied to rows of {@code input}: returns {mean, logVar}
   * (logVar null where the MLP has no log-variance head). The first call creates the variables; a
   * {@code frozen} call reuses them behind a stop-gradient.
   */
  private SDVariable[] mlp(
      boolean encoder, String layer, GaussianMlp weights, SDVariable input, boolean frozen) {
    return mlp(encoder ? Network.ENCODER : Network.DECODER, layer, weights, input, frozen);
  }

  private SDVariable[] mlp(
      Network encoder, String layer, GaussianMlp weights, SDVariable input, boolean frozen) {
    SDVariable h = input;
    for (int i = 0; i < weights.hidden().size(); i++) {
      h = dense(encoder, layer, "h" + i, weights.hidden().get(i), h, frozen);
      h =
          switch (architecture.activation()) {
            case TANH -> sd.math().tanh(h);
            case RELU -> sd.nn().relu(h, 0);
          };
    }
    SDVariable mean = dense(encoder, layer, "mean", weights.mean(), h, frozen);
    SDVariable logVar =
        weights.logVariance() == null
            ? null
            : dense(encoder, layer, "logvar", weights.logVariance(), h, frozen);
    return new SDVariable[] {mean, logVar};
  }

  private SDVariable dense(
      Network encoder, String layer, String part, Dense dense, SDVariable in, boolean frozen) {
    String wName = variableName(encoder, layer, part, true);
    String bName = variableName(encoder, layer, part, false);
    if (frozen) {
      return sd.nn()
          .linear(
              in,
              SdMath.stopGradient(sd.getVariable(wName)),
              SdMath.stopGradient(sd.getVariable(bName)));
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
      encoders.add(readMlp(true, layer.name(), layer.hidden().size(), true));
      boolean logVar = l > 0 || architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED;
      decoders.add(readMlp(false, layer.name(), layer.hidden().size(), logVar));
    }
    GaussianMlp prior =
        architecture.conditional()
            ? readMlp(Network.PRIOR, architecture.top().name(), 0, true)
            : null;
    return new VaeWeights(architecture, encoders, decoders, prior);
  }

  private GaussianMlp readMlp(boolean encoder, String layer, int hidden, boolean logVar) {
    return readMlp(encoder ? Network.ENCODER : Network.DECODER, layer, hidden, logVar);
  }

  private GaussianMlp readMlp(Network encoder, String layer, int hidden, boolean logVar) {
    List<Dense> h = new ArrayList<>();
    for (int i = 0; i < hidden; i++) {
      h.add(readDense(encoder, layer, "h" + i));
    }
    return new GaussianMlp(
        h, readDense(encoder, layer, "mean"), logVar ? readDense(encoder, layer, "logvar") : null);
  }

  private Dense readDense(Network encoder, String layer, String part) {
    INDArray w = sd.getVariable(variableName(encoder, layer, part, true)).getArr();
    INDArray b = sd.getVariable(variableName(encoder, layer, part, false)).getArr();
    return new Dense(
        (int) w.size(0),
        (int) w.size(1),
        w.castTo(DataType.FLOAT).dup('c').data().asFloat(),
        b.castTo(DataType.FLOAT).dup('c').data().asFloat());
  }
}
