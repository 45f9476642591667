package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ReferenceVae} against closed forms. The main oracle is probabilistic PCA as a linear
 * Gaussian VAE: x = W z + b + sigma e with z, e ~ N(0, I), whose marginal is exactly N(x; b, W W^T
 * + sigma^2 I) and whose posterior q(z|x) is Gaussian, diagonal when W has orthogonal columns.
 */
class ReferenceVaeTest {
  private static final int D = 6;
  private static final int LATENT = 2;
  private static final double SIGMA = 0.5;
  private static final double[] COLUMN_SCALES = {2.0, 1.0};
  private static final int EXAMPLES = 4;
  private static final int SAMPLES = 20_000;
  private static final long SEED = 20240501L;

  private static final VaeArchitecture PPCA =
      new VaeArchitecture(
          D,
          List.of(new StochasticLayer("z1", LATENT, List.of())),
          Activation.TANH,
          LikelihoodFamily.GAUSSIAN_FIXED,
          SIGMA);

  /**
   * With the exact posterior as encoder every importance weight equals p(x), so the IWAE estimate
   * log (1/K) sum_k w_k must equal the exact log p(x) up to rounding (1e-6 nats), and so must every
   * single log w.
   */
  @Test
  void logWeights_exactPosteriorEncoder_estimateEqualsExactMarginal() {
    PpcaModel model = PpcaModel.create(SEED);
    ReferenceVae vae = new ReferenceVae(model.weights(1.0, 0.0));
    FloatTensor x = model.sampleData(EXAMPLES, SEED + 1);

    double[][] logW = vae.logWeights(x, List.of(noise(EXAMPLES, SAMPLES, LATENT))).logW();

    for (int n = 0; n < EXAMPLES; n++) {
      double exact = model.exactLogMarginal(row(x, n));
      assertThat(logMeanExp(logW[n])).as("example %d", n).isCloseTo(exact, within(1e-6));
      double spread =
          Arrays.stream(logW[n]).max().getAsDouble() - Arrays.stream(logW[n]).min().getAsDouble();
      assertThat(spread).as("spread of log w for example %d", n).isLessThan(1e-5);
    }
  }

  /**
   * With a deliberately wrong encoder (means shrunk by 0.8, variances inflated by e^0.5) the
   * weights vary and the ELBO (mean log w) lies clearly below log p(x), while the K = 20000 IWAE
   * estimate must agree with log p(x) within four of its delta-method standard errors, sqrt(Var(w)
   * / K) / mean(w), each of which must itself be below 0.01 nats.
   */
  @Test
  void logWeights_perturbedEncoder_iwaeEstimateConvergesToExactMarginal() {
    PpcaModel model = PpcaModel.create(SEED);
    ReferenceVae vae = new ReferenceVae(model.weights(0.8, 0.5));
    FloatTensor x = model.sampleData(EXAMPLES, SEED + 1);

    double[][] logW = vae.logWeights(x, List.of(noise(EXAMPLES, SAMPLES, LATENT))).logW();

    for (int n = 0; n < EXAMPLES; n++) {
      double exact = model.exactLogMarginal(row(x, n));
      double elbo = Arrays.stream(logW[n]).average().getAsDouble();
      double iwae = logMeanExp(logW[n]);
      double standardError = iwaeStandardError(logW[n]);
      assertThat(elbo).as("ELBO of example %d", n).isLessThan(exact - 0.1);
      assertThat(standardError).as("standard error of example %d", n).isLessThan(0.01);
      assertThat(iwae)
          .as("IWAE estimate of example %d", n)
          .isCloseTo(exact, within(4 * standardError));
    }
  }

  /**
   * A conditional linear-Gaussian model (CVAE with C = 3): p(z|y) = N(y A, I), p(x|z, y) = N(z W +
   * y V + b, sigma^2 I), so x - y (A W + V) given y follows the unconditional PPCA marginal. The
   * encoder is the exact posterior q(z|x, y), the unconditional one shifted by y, which makes every
   * log w equal log p(x|y) up to rounding; y holds one-hot rows and one arbitrary row.
   */
  @Test
  void logWeights_conditionalExactPosteriorEncoder_everyWeightEqualsExactConditionalMarginal() {
    int c = 3;
    PpcaModel model = PpcaModel.create(SEED);
    VaeWeights plain = model.weights(1.0, 0.0);
    SplittableRandom random = new SplittableRandom(SEED + 7);
    double[][] a = randomMatrix(random, c, LATENT);
    double[][] v = randomMatrix(random, c, D);
    double[][] w = matrix(plain.decoders().get(0).mean().weight(), LATENT, D);
    double[][] e = matrix(plain.encoders().get(0).mean().weight(), D, LATENT);
    double[][] shift = add(multiply(a, w), v); // [C, D]: x - y shift follows the PPCA marginal
    double[][] encoderY = subtract(a, multiply(shift, e)); // [C, d]
    GaussianMlp encoder = plain.encoders().get(0);
    GaussianMlp decoder = plain.decoders().get(0);
    VaeArchitecture architecture = PPCA.withConditionDim(c);
    VaeWeights weights =
        new VaeWeights(
            architecture,
            List.of(
                new GaussianMlp(
                    List.of(),
                    stack(encoder.mean(), encoderY),
                    stack(encoder.logVariance(), new double[c][LATENT]))),
            List.of(new GaussianMlp(List.of(), stack(decoder.mean(), v), null)),
            new GaussianMlp(
                List.of(),
                new Dense(c, LATENT, flat(a), new float[LATENT]),
                new Dense(c, LATENT, new float[c * LATENT], new float[LATENT])));
    ReferenceVae vae = new ReferenceVae(weights);
    FloatTensor x = model.sampleData(EXAMPLES, SEED + 1);
    float[] y = new float[EXAMPLES * c];
    for (int n = 0; n < EXAMPLES - 1; n++) {
      y[n * c + n % c] = 1;
    }
    y[(EXAMPLES - 1) * c] = 0.5f;
    y[(EXAMPLES - 1) * c + 1] = -2f;
    y[(EXAMPLES - 1) * c + 2] = 0.25f;
    FloatTensor condition = FloatTensor.of(y, EXAMPLES, c);

    double[][] logW = vae.logWeights(x, condition, List.of(noise(EXAMPLES, 200, LATENT))).logW();

    for (int n = 0; n < EXAMPLES; n++) {
      double[] shifted = row(x, n);
      for (int j = 0; j < D; j++) {
        for (int k = 0; k < c; k++) {
          shifted[j] -= y[n * c + k] * shift[k][j];
        }
      }
      double exact = model.exactLogMarginal(shifted);
      for (double value : logW[n]) {
        assertThat(value).as("log w of example %d", n).isCloseTo(exact, within(1e-5));
      }
    }
  }

  @Test
  void logWeights_conditionMissingOrUnexpected_throws() {
    VaeArchitecture conditional = PPCA.withConditionDim(2);
    ReferenceVae vae = new ReferenceVae(VaeWeights.random(conditional, 1));
    ReferenceVae plain = new ReferenceVae(VaeWeights.random(PPCA, 1));
    FloatTensor x = PpcaModel.create(SEED).sampleData(2, 9);
    List<FloatTensor> eps = List.of(noise(2, 3, LATENT));

    assertThatThrownBy(() -> vae.logWeights(x, eps))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("condition [N, 2] is required");
    assertThatThrownBy(() -> vae.logWeights(x, FloatTensor.of(new float[3], 1, 3), eps))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("condition must have shape [2, 2], got [1, 3]");
    assertThatThrownBy(() -> plain.logWeights(x, FloatTensor.of(new float[4], 2, 2), eps))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unconditional model takes no condition");
  }

  @Test
  void logWeights_encoderSamples_equalLogJointMinusLogPosterior() {
    VaeWeights weights = VaeWeights.random(VaeArchitecture.iwaeTwoLayer(), 3);
    ReferenceVae vae = new ReferenceVae(weights);
    FloatTensor x = binaryData(2, 784, 5);
    FloatTensor eps1 = noise(2, 1, 100);
    FloatTensor eps2 = noise(2, 1, 50);

    ReferenceVae.LogWeights w = vae.logWeights(x, List.of(eps1, eps2));
    ReferenceVae.Encoding encoding =
        vae.encode(
            x, List.of(FloatTensor.of(eps1.data(), 2, 100), FloatTensor.of(eps2.data(), 2, 50)));
    List<FloatTensor> z = encoding.layers().stream().map(ReferenceVae.LayerSample::sample).toList();
    ReferenceVae.LogJoint joint = vae.logJoint(x, z);
    ReferenceVae.LogPosterior posterior = vae.logPosterior(x, z);

    for (int n = 0; n < 2; n++) {
      // z is rounded to float32 on the way out of encode: allow that rounding, nothing more.
      double expected = joint.logPxGivenZ()[n] + joint.logPz()[n] - posterior.logQz()[n];
      assertThat(w.logW()[n][0]).isCloseTo(expected, within(1e-3));
      assertThat(w.logPxGivenZ()[n][0]).isCloseTo(joint.logPxGivenZ()[n], within(1e-3));
      assertThat(w.logQz()[n][0]).isCloseTo(posterior.logQz()[n], within(1e-3));
    }
  }

  @Test
  void encode_linearLayer_sampleIsMeanPlusStandardDeviationTimesNoise() {
    ReferenceVae vae = new ReferenceVae(PpcaModel.create(SEED).weights(1.0, 0.0));
    FloatTensor x = PpcaModel.create(SEED).sampleData(3, 9);
    FloatTensor eps = FloatTensor.of(new float[] {1, -2, 0.5f, 0, 3, -1}, 3, 2);

    ReferenceVae.LayerSample layer = vae.encode(x, List.of(eps)).layers().get(0);

    for (int i = 0; i < 6; i++) {
      double expected =
          layer.parameter("mean").data()[i]
              + Math.exp(0.5 * layer.parameter("logvar").data()[i]) * eps.data()[i];
      assertThat((double) layer.sample().data()[i]).isCloseTo(expected, within(1e-5));
    }
  }

  /** Bernoulli logits of +-800 overflow exp in a naive softplus; the stable form stays exact. */
  @Test
  void logJoint_extremeBernoulliLogits_staysFiniteAndExact() {
    VaeArchitecture architecture =
        new VaeArchitecture(
            2,
            List.of(new StochasticLayer("z1", 1, List.of())),
            Activation.RELU,
            LikelihoodFamily.BERNOULLI,
            0);
    VaeWeights random = VaeWeights.random(architecture, 1);
    GaussianMlp decoder =
        new GaussianMlp(
            List.of(), new Dense(1, 2, new float[] {0, 0}, new float[] {800, -800}), null);
    ReferenceVae vae =
        new ReferenceVae(new VaeWeights(architecture, random.encoders(), List.of(decoder)));
    FloatTensor x = FloatTensor.of(new float[] {1, 0, 0, 1}, 2, 2);
    FloatTensor z = FloatTensor.of(new float[] {0.3f, -0.7f}, 2, 1);

    double[] logPx = vae.logJoint(x, List.of(z)).logPxGivenZ();

    assertThat(logPx[0]).isCloseTo(0.0, within(1e-12));
    assertThat(logPx[1]).isCloseTo(-1600.0, within(1e-9));
  }

  @Test
  void logWeights_noiseOfRankTwo_isRejected() {
    ReferenceVae vae = new ReferenceVae(PpcaModel.create(SEED).weights(1.0, 0.0));
    FloatTensor x = FloatTensor.zeros(2, D);

    assertThatThrownBy(() -> vae.logWeights(x, List.of(FloatTensor.zeros(2, LATENT))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rank 3");
  }

  @Test
  void encode_noiseOfWrongWidth_isRejectedNamingTheLayer() {
    ReferenceVae vae = new ReferenceVae(PpcaModel.create(SEED).weights(1.0, 0.0));
    FloatTensor x = FloatTensor.zeros(2, D);

    assertThatThrownBy(() -> vae.encode(x, List.of(FloatTensor.zeros(2, LATENT + 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("z1")
        .hasMessageContaining("[2, 2]");
  }

  // ---- the pPCA model ----

  /**
   * x = W z + b + sigma e with orthogonal columns of W (so that the exact posterior is diagonal).
   * The exact quantities are computed from the float32 parameters the VAE actually holds.
   */
  private record PpcaModel(double[][] w, double[] b) {
    static PpcaModel create(long seed) {
      SplittableRandom random = new SplittableRandom(seed);
      double[][] columns = new double[LATENT][D];
      for (int j = 0; j < LATENT; j++) {
        for (int i = 0; i < D; i++) {
          columns[j][i] = gaussian(random);
        }
        for (int p = 0; p < j; p++) {
          double dot = dot(columns[j], columns[p]);
          for (int i = 0; i < D; i++) {
            columns[j][i] -= dot * columns[p][i];
          }
        }
        double norm = Math.sqrt(dot(columns[j], columns[j]));
        for (int i = 0; i < D; i++) {
          columns[j][i] /= norm;
        }
      }
      double[][] w = new double[D][LATENT];
      double[] b = new double[D];
      for (int i = 0; i < D; i++) {
        for (int j = 0; j < LATENT; j++) {
          w[i][j] = (float) (COLUMN_SCALES[j] * columns[j][i]);
        }
        b[i] = (float) (0.5 * gaussian(random));
      }
      return new PpcaModel(w, b);
    }

    /**
     * VAE weights: the decoder is the generative model; the encoder is the exact posterior N(C W^T
     * (x - b) / sigma^2, C) with C = (I + W^T W / sigma^2)^-1 (diagonal), its mean map scaled by
     * {@code meanScale} and its log variance shifted by {@code logVarianceShift}.
     */
    VaeWeights weights(double meanScale, double logVarianceShift) {
      double s2 = SIGMA * SIGMA;
      float[] decoderWeight = new float[LATENT * D];
      float[] encoderWeight = new float[D * LATENT];
      float[] encoderBias = new float[LATENT];
      float[] logVarianceBias = new float[LATENT];
      for (int j = 0; j < LATENT; j++) {
        double wtw = 0;
        for (int i = 0; i < D; i++) {
          wtw += w[i][j] * w[i][j];
        }
        double c = 1 / (1 + wtw / s2);
        double bias = 0;
        for (int i = 0; i < D; i++) {
          decoderWeight[j * D + i] = (float) w[i][j];
          encoderWeight[i * LATENT + j] = (float) (meanScale * c * w[i][j] / s2);
          bias -= meanScale * c * w[i][j] * this.b[i] / s2;
        }
        encoderBias[j] = (float) bias;
        logVarianceBias[j] = (float) (Math.log(c) + logVarianceShift);
      }
      float[] decoderBias = new float[D];
      for (int i = 0; i < D; i++) {
        decoderBias[i] = (float) b[i];
      }
      GaussianMlp encoder =
          new GaussianMlp(
              List.of(),
              new Dense(D, LATENT, encoderWeight, encoderBias),
              new Dense(D, LATENT, new float[D * LATENT], logVarianceBias));
      GaussianMlp decoder =
          new GaussianMlp(List.of(), new Dense(LATENT, D, decoderWeight, decoderBias), null);
      return new VaeWeights(PPCA, List.of(encoder), List.of(decoder));
    }

    FloatTensor sampleData(int n, long seed) {
      SplittableRandom random = new SplittableRandom(seed);
      float[] x = new float[n * D];
      for (int r = 0; r < n; r++) {
        double[] z = {gaussian(random), gaussian(random)};
        for (int i = 0; i < D; i++) {
          double mean = b[i];
          for (int j = 0; j < LATENT; j++) {
            mean += w[i][j] * z[j];
          }
          x[r * D + i] = (float) (mean + SIGMA * gaussian(random));
        }
      }
      return FloatTensor.of(x, n, D);
    }

    /** log N(x; b, W W^T + sigma^2 I) through a Cholesky factorization, nats. */
    double exactLogMarginal(double[] x) {
      double[][] cov = new double[D][D];
      for (int i = 0; i < D; i++) {
        for (int k = 0; k < D; k++) {
          double sum = i == k ? SIGMA * SIGMA : 0;
          for (int j = 0; j < LATENT; j++) {
            sum += w[i][j] * w[k][j];
          }
          cov[i][k] = sum;
        }
      }
      double[][] l = new double[D][D];
      for (int i = 0; i < D; i++) {
        for (int k = 0; k <= i; k++) {
          double sum = cov[i][k];
          for (int p = 0; p < k; p++) {
            sum -= l[i][p] * l[k][p];
          }
          l[i][k] = i == k ? Math.sqrt(sum) : sum / l[k][k];
        }
      }
      double logDet = 0;
      double quad = 0;
      double[] y = new double[D];
      for (int i = 0; i < D; i++) {
        double sum = x[i] - b[i];
        for (int p = 0; p < i; p++) {
          sum -= l[i][p] * y[p];
        }
        y[i] = sum / l[i][i];
        quad += y[i] * y[i];
        logDet += 2 * Math.log(l[i][i]);
      }
      return -0.5 * (D * Math.log(2 * Math.PI) + logDet + quad);
    }
  }

  // ---- helpers ----

  private static double gaussian(SplittableRandom random) {
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  /** [n, k, d] standard-normal noise from {@link CounterNoise}. */
  private static FloatTensor noise(int n, int k, int d) {
    float[] values = new float[n * k * d];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(SEED, CounterNoise.Stream.LATENT, i);
      CounterNoise.gaussian(key, 0, values, i * k * d, k * d);
    }
    return FloatTensor.of(values, n, k, d);
  }

  private static FloatTensor binaryData(int n, int d, long seed) {
    float[] x = new float[n * d];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.BINARIZATION, i);
      for (int j = 0; j < d; j++) {
        x[i * d + j] = CounterNoise.uniform(key, j) < 0.5 ? 1f : 0f;
      }
    }
    return FloatTensor.of(x, n, d);
  }

  private static double[] row(FloatTensor t, int i) {
    int width = t.rowSize();
    double[] out = new double[width];
    for (int j = 0; j < width; j++) {
      out[j] = t.data()[i * width + j];
    }
    return out;
  }

  /** log (1/K) sum_k exp(a_k), shifted by the maximum. */
  private static double logMeanExp(double[] a) {
    double max = Arrays.stream(a).max().getAsDouble();
    double sum = 0;
    for (double v : a) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum / a.length);
  }

  /** Delta-method standard error of log mean(w): sqrt(Var(w) / K) / mean(w). */
  private static double iwaeStandardError(double[] logW) {
    double max = Arrays.stream(logW).max().getAsDouble();
    double sum = 0;
    double sumSquares = 0;
    for (double v : logW) {
      double w = Math.exp(v - max);
      sum += w;
      sumSquares += w * w;
    }
    double mean = sum / logW.length;
    double variance = sumSquares / logW.length - mean * mean;
    return Math.sqrt(variance / logW.length) / mean;
  }

  private static double[][] randomMatrix(SplittableRandom random, int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (double[] r : m) {
      for (int j = 0; j < cols; j++) {
        r[j] = random.nextDouble() * 2 - 1;
      }
    }
    return m;
  }

  /** A row-major [rows, cols] float array as a matrix. */
  private static double[][] matrix(float[] values, int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m[i][j] = values[i * cols + j];
      }
    }
    return m;
  }

  private static double[][] multiply(double[][] p, double[][] q) {
    double[][] out = new double[p.length][q[0].length];
    for (int i = 0; i < p.length; i++) {
      for (int k = 0; k < q.length; k++) {
        for (int j = 0; j < q[0].length; j++) {
          out[i][j] += p[i][k] * q[k][j];
        }
      }
    }
    return out;
  }

  private static double[][] add(double[][] p, double[][] q) {
    double[][] out = new double[p.length][p[0].length];
    for (int i = 0; i < p.length; i++) {
      for (int j = 0; j < p[0].length; j++) {
        out[i][j] = p[i][j] + q[i][j];
      }
    }
    return out;
  }

  private static double[][] subtract(double[][] p, double[][] q) {
    double[][] out = new double[p.length][p[0].length];
    for (int i = 0; i < p.length; i++) {
      for (int j = 0; j < p[0].length; j++) {
        out[i][j] = p[i][j] - q[i][j];
      }
    }
    return out;
  }

  private static float[] flat(double[][] m) {
    float[] out = new float[m.length * m[0].length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        out[i * m[0].length + j] = (float) m[i][j];
      }
    }
    return out;
  }

  /** {@code dense} with the rows of {@code conditionRows} [C, out] appended to its weight. */
  private static Dense stack(Dense dense, double[][] conditionRows) {
    float[] top = dense.weight();
    float[] bottom = flat(conditionRows);
    float[] weight = Arrays.copyOf(top, top.length + bottom.length);
    System.arraycopy(bottom, 0, weight, top.length, bottom.length);
    return new Dense(dense.in() + conditionRows.length, dense.out(), weight, dense.bias());
  }
}
