package io.latentserve.evaluator.core;

import io.latentserve.model.Activation;
import io.latentserve.model.Dense;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A linear-Gaussian VAE (probabilistic PCA, Tipping and Bishop 1999) with a deliberately imperfect
 * linear encoder, and the closed forms that the estimators must converge to.
 *
 * <p>Generative model, row vectors: z ~ N(0, I_d), x = z G + b + sigma eps, so p(x) = N(b, C) with
 * C = G^T G + sigma^2 I_D. The rows of G are orthogonal, which makes the exact posterior diagonal:
 * p(z|x) = N((x - b) G^T M^{-1}, sigma^2 M^{-1}) with M = G G^T + sigma^2 I = diag(m). The encoder
 * q(z|x) = N((x - b) G^T M^{-1} s, diag(v)) shrinks the exact mean by {@code meanScale} and
 * inflates the exact variance by {@code varianceScale}.
 *
 * <p>Public so that tests in other packages can serve {@link #weights()} as a real bundle and
 * compare what comes back over gRPC with the same closed forms.
 */
public final class LinearGaussianVae {
  static final int D = 4;
  static final int LATENT = 2;
  static final double SIGMA = 0.5;
  static final double[][] G = {{1.5, 0, 0.5, 0}, {0, 1.0, 0, -0.8}};
  static final double[] B = {0.3, -0.2, 0.1, 0.5};

  final double meanScale;
  final double varianceScale;

  /** Encoder weight E [D, d]: z mean = (x - b) E. */
  final double[][] e = new double[D][LATENT];

  /** Encoder variance per latent unit. */
  final double[] v = new double[LATENT];

  /** Exact posterior variance per unit. */
  final double[] posteriorVariance = new double[LATENT];

  final double[][] c = new double[D][D];

  public LinearGaussianVae(double meanScale, double varianceScale) {
    this.meanScale = meanScale;
    this.varianceScale = varianceScale;
    for (int l = 0; l < LATENT; l++) {
      double m = SIGMA * SIGMA;
      for (int j = 0; j < D; j++) {
        m += G[l][j] * G[l][j];
      }
      posteriorVariance[l] = SIGMA * SIGMA / m;
      v[l] = varianceScale * posteriorVariance[l];
      for (int j = 0; j < D; j++) {
        e[j][l] = meanScale * G[l][j] / m;
      }
    }
    for (int i = 0; i < D; i++) {
      for (int j = 0; j < D; j++) {
        double s = i == j ? SIGMA * SIGMA : 0;
        for (int l = 0; l < LATENT; l++) {
          s += G[l][i] * G[l][j];
        }
        c[i][j] = s;
      }
    }
  }

  public VaeWeights weights() {
    VaeArchitecture architecture =
        new VaeArchitecture(
            D,
            List.of(new StochasticLayer("z1", LATENT, List.of())),
            Activation.TANH,
            LikelihoodFamily.GAUSSIAN_FIXED,
            SIGMA);
    float[] encW = new float[D * LATENT];
    float[] encB = new float[LATENT];
    for (int l = 0; l < LATENT; l++) {
      double bias = 0;
      for (int j = 0; j < D; j++) {
        encW[j * LATENT + l] = (float) e[j][l];
        bias -= B[j] * e[j][l];
      }
      encB[l] = (float) bias;
    }
    float[] logVarB = new float[LATENT];
    for (int l = 0; l < LATENT; l++) {
      logVarB[l] = (float) Math.log(v[l]);
    }
    GaussianMlp encoder =
        new GaussianMlp(
            List.of(),
            new Dense(D, LATENT, encW, encB),
            new Dense(D, LATENT, new float[D * LATENT], logVarB));
    float[] decW = new float[LATENT * D];
    float[] decB = new float[D];
    for (int l = 0; l < LATENT; l++) {
      for (int j = 0; j < D; j++) {
        decW[l * D + j] = (float) G[l][j];
      }
    }
    for (int j = 0; j < D; j++) {
      decB[j] = (float) B[j];
    }
    GaussianMlp decoder = new GaussianMlp(List.of(), new Dense(LATENT, D, decW, decB), null);
    return new VaeWeights(architecture, List.of(encoder), List.of(decoder));
  }

  /** n draws of x ~ p(x), [n, D]. */
  public static FloatTensor data(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * D];
    for (int i = 0; i < n; i++) {
      double[] z = {gaussian(random), gaussian(random)};
      for (int j = 0; j < D; j++) {
        double value = B[j] + SIGMA * gaussian(random);
        for (int l = 0; l < LATENT; l++) {
          value += z[l] * G[l][j];
        }
        x[i * D + j] = (float) value;
      }
    }
    return FloatTensor.of(x, n, D);
  }

  private static double gaussian(SplittableRandom random) {
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  private static double[] row(FloatTensor x, int i) {
    double[] r = new double[D];
    for (int j = 0; j < D; j++) {
      r[j] = x.data()[i * D + j];
    }
    return r;
  }

  /** Exact log p(x_i) = log N(x_i; b, C) per row, nats. */
  public double[] logMarginal(FloatTensor x) {
    double[][] chol = cholesky(c);
    double logDet = 0;
    for (int i = 0; i < D; i++) {
      logDet += 2 * Math.log(chol[i][i]);
    }
    int n = (int) x.dim(0);
    double[] out = new double[n];
    for (int r = 0; r < n; r++) {
      double[] diff = row(x, r);
      for (int j = 0; j < D; j++) {
        diff[j] -= B[j];
      }
      double[] y = forward(chol, diff);
      double quad = 0;
      for (double value : y) {
        quad += value * value;
      }
      out[r] = -0.5 * (D * Math.log(2 * Math.PI) + logDet + quad);
    }
    return out;
  }

  private double[] encoderMean(double[] x) {
    double[] mu = new double[LATENT];
    for (int l = 0; l < LATENT; l++) {
      for (int j = 0; j < D; j++) {
        mu[l] += (x[j] - B[j]) * e[j][l];
      }
    }
    return mu;
  }

  /** Exact KL(q(z|x_i) || p(z)) per row, nats: the rate. */
  public double[] rate(FloatTensor x) {
    int n = (int) x.dim(0);
    double[] out = new double[n];
    for (int r = 0; r < n; r++) {
      double[] mu = encoderMean(row(x, r));
      double kl = 0;
      for (int l = 0; l < LATENT; l++) {
        kl += 0.5 * (mu[l] * mu[l] + v[l] - Math.log(v[l]) - 1);
      }
      out[r] = kl;
    }
    return out;
  }

  /** Exact ELBO(x_i) = log p(x_i) - KL(q(z|x_i) || p(z|x_i)) per row, nats. */
  public double[] elbo(FloatTensor x) {
    double[] logP = logMarginal(x);
    int n = (int) x.dim(0);
    for (int r = 0; r < n; r++) {
      double[] xr = row(x, r);
      double[] mu = encoderMean(xr);
      for (int l = 0; l < LATENT; l++) {
        double exactMean = mu[l] / meanScale;
        double pv = posteriorVariance[l];
        double diff = mu[l] - exactMean;
        logP[r] -= 0.5 * (v[l] / pv + diff * diff / pv - 1 + Math.log(pv / v[l]));
      }
    }
    return logP;
  }

  /** Covariance of the aggregate posterior q(z) = E_{p(x)} q(z|x): E^T C E + diag(v). */
  double[][] aggregateCovariance() {
    double[][] s = new double[LATENT][LATENT];
    for (int a = 0; a < LATENT; a++) {
      for (int b = 0; b < LATENT; b++) {
        double value = a == b ? v[a] : 0;
        for (int i = 0; i < D; i++) {
          for (int j = 0; j < D; j++) {
            value += e[i][a] * c[i][j] * e[j][b];
          }
        }
        s[a][b] = value;
      }
    }
    return s;
  }

  /** Exact I_q(x;z) = 0.5 (log det(E^T C E + diag v) - sum log v), x ~ p(x), nats. */
  public double mutualInformation() {
    double logDet = logDet(aggregateCovariance());
    double sum = 0;
    for (double value : v) {
      sum += Math.log(value);
    }
    return 0.5 * (logDet - sum);
  }

  /** Population MMD^2(q(z), N(0, I)) for the kernel exp(-|a-b|^2 / d^2); q(z) has mean 0. */
  double squaredMmd() {
    double[][] s = aggregateCovariance();
    int d = LATENT;
    double h = (double) d * d;
    double kqq = Math.exp(-0.5 * logDet(plusIdentity(scale(s, 4.0 / h))));
    double kpp = Math.exp(-0.5 * logDet(plusIdentity(scale(identity(d), 4.0 / h))));
    double kqp = Math.exp(-0.5 * logDet(plusIdentity(scale(plusIdentity(s), 2.0 / h))));
    return kqq + kpp - 2 * kqp;
  }

  private static double[][] identity(int d) {
    double[][] m = new double[d][d];
    for (int i = 0; i < d; i++) {
      m[i][i] = 1;
    }
    return m;
  }

  private static double[][] scale(double[][] m, double f) {
    double[][] out = new double[m.length][m.length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m.length; j++) {
        out[i][j] = m[i][j] * f;
      }
    }
    return out;
  }

  private static double[][] plusIdentity(double[][] m) {
    double[][] out = scale(m, 1);
    for (int i = 0; i < m.length; i++) {
      out[i][i] += 1;
    }
    return out;
  }

  static double logDet(double[][] m) {
    double[][] l = cholesky(m);
    double sum = 0;
    for (int i = 0; i < m.length; i++) {
      sum += 2 * Math.log(l[i][i]);
    }
    return sum;
  }

  static double[][] cholesky(double[][] a) {
    int n = a.length;
    double[][] l = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i][j];
        for (int k = 0; k < j; k++) {
          sum -= l[i][k] * l[j][k];
        }
        l[i][j] = i == j ? Math.sqrt(sum) : sum / l[j][j];
      }
    }
    return l;
  }

  private static double[] forward(double[][] l, double[] b) {
    double[] y = new double[b.length];
    for (int i = 0; i < b.length; i++) {
      double sum = b[i];
      for (int k = 0; k < i; k++) {
        sum -= l[i][k] * y[k];
      }
      y[i] = sum / l[i][i];
    }
    return y;
  }
}
