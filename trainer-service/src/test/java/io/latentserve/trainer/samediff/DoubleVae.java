package io.latentserve.trainer.samediff;

import io.latentserve.model.Dense;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A double-precision log-weight of one sample whose parameters can be perturbed one by one, and
 * whose encoder weights can differ between the sampling path (z = mean + sigma eps) and the density
 * log q: the function DReG's encoder gradient differentiates. Parameters are keyed by {@link
 * VaeGraph#variableName}; every array is row-major as in {@link Dense}.
 */
final class DoubleVae {
  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private final VaeArchitecture architecture;

  DoubleVae(VaeArchitecture architecture) {
    this.architecture = architecture;
  }

  static Map<String, double[]> parameters(VaeWeights weights) {
    Map<String, double[]> out = new LinkedHashMap<>();
    VaeArchitecture a = weights.architecture();
    for (int l = 0; l < a.layerCount(); l++) {
      String name = a.layer(l).name();
      put(out, true, name, weights.encoders().get(l));
      put(out, false, name, weights.decoders().get(l));
    }
    if (weights.prior() != null) {
      for (String part : new String[] {"mean", "logvar"}) {
        Dense dense = part.equals("mean") ? weights.prior().mean() : weights.prior().logVariance();
        String top = a.top().name();
        out.put(
            VaeGraph.variableName(VaeGraph.Network.PRIOR, top, part, true), widen(dense.weight()));
        out.put(
            VaeGraph.variableName(VaeGraph.Network.PRIOR, top, part, false), widen(dense.bias()));
      }
    }
    return out;
  }

  private static void put(Map<String, double[]> out, boolean enc, String layer, GaussianMlp mlp) {
    for (int i = 0; i < mlp.hidden().size(); i++) {
      put(out, enc, layer, "h" + i, mlp.hidden().get(i));
    }
    put(out, enc, layer, "mean", mlp.mean());
    if (mlp.logVariance() != null) {
      put(out, enc, layer, "logvar", mlp.logVariance());
    }
  }

  private static void put(
      Map<String, double[]> out, boolean enc, String layer, String part, Dense dense) {
    out.put(VaeGraph.variableName(enc, layer, part, true), widen(dense.weight()));
    out.put(VaeGraph.variableName(enc, layer, part, false), widen(dense.bias()));
  }

  private static double[] widen(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /**
   * log w of one sample: samples drawn with the encoder weights of {@code path}, log q evaluated
   * with those of {@code density} (each layer's q conditioned on the path sample below), log p with
   * the decoder weights of {@code path}.
   *
   * @param eps noise of this sample per layer
   */
  double logW(
      double[] x, double[][] eps, Map<String, double[]> path, Map<String, double[]> density) {
    int layers = architecture.layerCount();
    double[][] z = new double[layers][];
    double logQ = 0;
    double[] below = x;
    for (int l = 0; l < layers; l++) {
      StochasticLayer layer = architecture.layer(l);
      double[][] q = mlp(path, true, layer.name(), layer.hidden().size(), below, true);
      double[] zl = new double[layer.latentDim()];
      for (int j = 0; j < zl.length; j++) {
        zl[j] = q[0][j] + Math.exp(0.5 * q[1][j]) * eps[l][j];
      }
      double[][] qd = mlp(density, true, layer.name(), layer.hidden().size(), below, true);
      logQ += gaussian(zl, qd[0], qd[1]);
      z[l] = zl;
      below = zl;
    }
    double logP = 0;
    for (double v : z[layers - 1]) {
      logP += -0.5 * (LOG_2PI + v * v);
    }
    for (int l = layers - 2; l >= 0; l--) {
      StochasticLayer upper = architecture.layer(l + 1);
      double[][] p = mlp(path, false, upper.name(), upper.hidden().size(), z[l + 1], true);
      logP += gaussian(z[l], p[0], p[1]);
    }
    StochasticLayer first = architecture.layer(0);
    boolean learned =
        architecture.likelihood() == io.latentserve.model.LikelihoodFamily.GAUSSIAN_LEARNED;
    double[][] px = mlp(path, false, first.name(), first.hidden().size(), z[0], learned);
    double logPx = 0;
    switch (architecture.likelihood()) {
      case BERNOULLI -> {
        for (int j = 0; j < x.length; j++) {
          double l = px[0][j];
          logPx += x[j] * l - (Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))));
        }
      }
      case GAUSSIAN_FIXED -> {
        double s = architecture.likelihoodSigma();
        for (int j = 0; j < x.length; j++) {
          double diff = x[j] - px[0][j];
          logPx += -0.5 * (LOG_2PI + 2 * Math.log(s) + diff * diff / (s * s));
        }
      }
      case GAUSSIAN_LEARNED -> logPx = gaussian(x, px[0], px[1]);
    }
    return logPx + logP - logQ;
  }

  private static double gaussian(double[] z, double[] mean, double[] logVar) {
    double sum = 0;
    for (int j = 0; j < z.length; j++) {
      double diff = z[j] - mean[j];
      sum += LOG_2PI + logVar[j] + diff * diff * Math.exp(-logVar[j]);
    }
    return -0.5 * sum;
  }

  private double[][] mlp(
      Map<String, double[]> p, boolean enc, String layer, int hidden, double[] in, boolean var) {
    double[] h = in;
    for (int i = 0; i < hidden; i++) {
      h = affine(p, enc, layer, "h" + i, h);
      for (int j = 0; j < h.length; j++) {
        h[j] =
            switch (architecture.activation()) {
              case TANH -> Math.tanh(h[j]);
              case RELU -> Math.max(0, h[j]);
            };
      }
    }
    return new double[][] {
      affine(p, enc, layer, "mean", h), var ? affine(p, enc, layer, "logvar", h) : null
    };
  }

  private static double[] affine(
      Map<String, double[]> p, boolean enc, String layer, String part, double[] x) {
    double[] w = p.get(VaeGraph.variableName(enc, layer, part, true));
    double[] y = p.get(VaeGraph.variableName(enc, layer, part, false)).clone();
    int out = y.length;
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < out; j++) {
        y[j] += x[i] * w[i * out + j];
      }
    }
    return y;
  }

  static List<String> encoderNames(Map<String, double[]> parameters) {
    return parameters.keySet().stream().filter(n -> n.startsWith("enc_")).toList();
  }
}
