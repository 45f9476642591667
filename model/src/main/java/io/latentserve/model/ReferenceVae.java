package io.latentserve.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A plain-Java, double-precision evaluation of a VAE: the oracle that the ONNX graphs of a bundle
 * and the trainer's own forward pass are checked against. Slow on purpose: one example at a time,
 * no vectorization.
 *
 * <p>Each method mirrors one bundle graph (see {@code io.latentserve.bundle.GraphRole}) with the
 * same inputs, outputs and formulas: hidden layers use the architecture's activation; samples are
 * {@code z = mean + exp(logvar / 2) * eps}; Gaussian log densities are {@code sum_d -0.5 (log 2 pi
 * + logvar + (z - mean)^2 exp(-logvar))}; the Bernoulli log likelihood is {@code sum_d x l -
 * softplus(l)} over the logits l; the fixed-sigma Gaussian likelihood uses the architecture's
 * sigma; the top layer's prior is N(0, I). Layer lists run bottom-up (index 0 is z1, next to the
 * data). Inputs are float32 {@link FloatTensor}s; arithmetic is double; parameters and samples come
 * back as float32 tensors, log densities as doubles in nats.
 *
 * <p>For a conditional architecture ({@link VaeArchitecture#conditional()}) every method takes the
 * condition y [N, C] (one row per example, shared by all of its samples), every network reads its
 * input concatenated with y as {@link VaeWeights} lays out, and the top layer's prior is p(z_L|y) =
 * N(mu(y), diag exp(logvar(y))). The overloads without a condition serve unconditional models only.
 */
public final class ReferenceVae {
  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private final VaeWeights weights;
  private final VaeArchitecture architecture;
  private final List<Mlp> encoders;
  private final List<Mlp> decoders;
  private final Mlp prior;

  public ReferenceVae(VaeWeights weights) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.architecture = weights.architecture();
    this.encoders = weights.encoders().stream().map(Mlp::of).toList();
    this.decoders = weights.decoders().stream().map(Mlp::of).toList();
    this.prior = weights.prior() == null ? null : Mlp.of(weights.prior());
  }

  public VaeWeights weights() {
    return weights;
  }

  /** Mean and log variance of one diagonal-Gaussian latent layer, each [N, d_l] float32. */
  public record Gaussian(FloatTensor mean, FloatTensor logVariance) {
    public Gaussian {
      Objects.requireNonNull(mean, "mean");
      Objects.requireNonNull(logVariance, "logVariance");
    }
  }

  /** Mean, log variance and sample of one diagonal-Gaussian latent layer, each [N, d_l] float32. */
  public record LayerSample(FloatTensor mean, FloatTensor logVariance, FloatTensor sample) {
    public LayerSample {
      Objects.requireNonNull(mean, "mean");
      Objects.requireNonNull(logVariance, "logVariance");
      Objects.requireNonNull(sample, "sample");
    }
  }

  /** Output of {@link #encode}: q(z_l|z_{l-1}) per layer, bottom-up. */
  public record Encoding(List<LayerSample> layers) {
    public Encoding {
      layers = List.copyOf(layers);
    }
  }

  /**
   * Output of {@link #decode}.
   *
   * @param xMean [N, D]: Bernoulli probabilities sigmoid(logits), or the Gaussian mean
   * @param xLogVariance [N, D] for {@link LikelihoodFamily#GAUSSIAN_LEARNED}, else null
   * @param layersBelowTop p(z_{l}|z_{l+1}) and its sample for every layer below the top, bottom-up
   */
  public record Decoding(
      FloatTensor xMean, FloatTensor xLogVariance, List<LayerSample> layersBelowTop) {
    public Decoding {
      Objects.requireNonNull(xMean, "xMean");
      layersBelowTop = List.copyOf(layersBelowTop);
    }
  }

  /**
   * Output of {@link #logJoint}, nats.
   *
   * @param logPxGivenZ log p(x|z1) [N]
   * @param logPz log p(z) [N], the sum of {@code logPriors}
   * @param logPriors log p(z_l|z_{l+1}) per layer [N], bottom-up; N(0, I) for the top
   */
  public record LogJoint(double[] logPxGivenZ, double[] logPz, List<double[]> logPriors) {
    public LogJoint {
      logPxGivenZ = logPxGivenZ.clone();
      logPz = logPz.clone();
      logPriors = copy(logPriors);
    }

    @Override
    public double[] logPxGivenZ() {
      return logPxGivenZ.clone();
    }

    @Override
    public double[] logPz() {
      return logPz.clone();
    }

    @Override
    public List<double[]> logPriors() {
      return copy(logPriors);
    }
  }

  /**
   * Output of {@link #logPosterior}, nats.
   *
   * @param logQz log q(z|x) [N], the sum of {@code logPosteriors}
   * @param logPosteriors log q(z_l|z_{l-1}) per layer [N], bottom-up (z_0 = x)
   */
  public record LogPosterior(double[] logQz, List<double[]> logPosteriors) {
    public LogPosterior {
      logQz = logQz.clone();
      logPosteriors = copy(logPosteriors);
    }

    @Override
    public double[] logQz() {
      return logQz.clone();
    }

    @Override
    public List<double[]> logPosteriors() {
      return copy(logPosteriors);
    }
  }

  /**
   * Output of {@link #logWeights}: each [N][K], nats, with {@code logW = logPxGivenZ + logPz -
   * logQz}.
   */
  public record LogWeights(
      double[][] logW, double[][] logPxGivenZ, double[][] logPz, double[][] logQz) {
    public LogWeights {
      logW = copy(logW);
      logPxGivenZ = copy(logPxGivenZ);
      logPz = copy(logPz);
      logQz = copy(logQz);
    }

    @Override
    public double[][] logW() {
      return copy(logW);
    }

    @Override
    public double[][] logPxGivenZ() {
      return copy(logPxGivenZ);
    }

    @Override
    public double[][] logPz() {
      return copy(logPz);
    }

    @Override
    public double[][] logQz() {
      return copy(logQz);
    }
  }

  /**
   * The encoder graph: q(z_l|z_{l-1}) for every layer, sampling each layer with its noise and
   * conditioning the next layer on that sample.
   *
   * @param x [N, D] float32
   * @param eps standard-normal noise per layer, bottom-up, each [N, d_l]
   */
  public Encoding encode(FloatTensor x, List<FloatTensor> eps) {
    return encode(x, null, eps);
  }

  /**
   * {@link #encode(FloatTensor, List)} with the condition y [N, C] of a conditional model (null for
   * an unconditional one).
   */
  public Encoding encode(FloatTensor x, FloatTensor condition, List<FloatTensor> eps) {
    int n = checkData(x);
    checkCondition(condition, n);
    checkLatents("eps", eps, 0, n, false);
    List<double[][]> means = new ArrayList<>();
    List<double[][]> logVars = new ArrayList<>();
    List<double[][]> samples = new ArrayList<>();
    for (int l = 0; l < architecture.layerCount(); l++) {
      means.add(new double[n][]);
      logVars.add(new double[n][]);
      samples.add(new double[n][]);
    }
    for (int i = 0; i < n; i++) {
      double[] below = row(x, i);
      double[] y = conditionRow(condition, i);
      for (int l = 0; l < architecture.layerCount(); l++) {
        Heads q = encoders.get(l).apply(join(below, y), architecture.activation());
        double[] z = sample(q, row(eps.get(l), i));
        means.get(l)[i] = q.mean();
        logVars.get(l)[i] = q.logVariance();
        samples.get(l)[i] = z;
        below = z;
      }
    }
    List<LayerSample> layers = new ArrayList<>();
    for (int l = 0; l < architecture.layerCount(); l++) {
      int d = architecture.layer(l).latentDim();
      layers.add(
          new LayerSample(
              tensor(means.get(l), d), tensor(logVars.get(l), d), tensor(samples.get(l), d)));
    }
    return new Encoding(layers);
  }

  /**
   * The decoder graph: from the top sample down, p(z_{l-1}|z_l) sampled with its noise for every
   * layer below the top, then the parameters of p(x|z1).
   *
   * @param top [N, d_L] sample of the top layer
   * @param epsBelowTop noise per layer below the top, bottom-up, each [N, d_l]; empty for one layer
   */
  public Decoding decode(FloatTensor top, List<FloatTensor> epsBelowTop) {
    return decode(top, null, epsBelowTop);
  }

  /**
   * {@link #decode(FloatTensor, List)} with the condition y [N, C] of a conditional model (null for
   * an unconditional one).
   */
  public Decoding decode(FloatTensor top, FloatTensor condition, List<FloatTensor> epsBelowTop) {
    int topIndex = architecture.layerCount() - 1;
    checkMatrix("top sample", top, -1, architecture.layer(topIndex).latentDim());
    int n = (int) top.dim(0);
    checkCondition(condition, n);
    if (epsBelowTop.size() != topIndex) {
      throw new IllegalArgumentException(
          "decode needs noise for "
              + topIndex
              + " layers below the top, got "
              + epsBelowTop.size());
    }
    for (int l = 0; l < topIndex; l++) {
      checkMatrix(
          "eps of " + architecture.layer(l).name(),
          epsBelowTop.get(l),
          n,
          architecture.layer(l).latentDim());
    }
    int dim = architecture.inputDim();
    double[][] xMean = new double[n][];
    double[][] xLogVar = new double[n][];
    List<double[][][]> below = new ArrayList<>();
    for (int l = 0; l < topIndex; l++) {
      below.add(new double[3][n][]);
    }
    for (int i = 0; i < n; i++) {
      double[] z = row(top, i);
      double[] y = conditionRow(condition, i);
      for (int l = topIndex; l > 0; l--) {
        Heads p = decoders.get(l).apply(join(z, y), architecture.activation());
        double[] zBelow = sample(p, row(epsBelowTop.get(l - 1), i));
        below.get(l - 1)[0][i] = p.mean();
        below.get(l - 1)[1][i] = p.logVariance();
        below.get(l - 1)[2][i] = zBelow;
        z = zBelow;
      }
      Heads px = decoders.get(0).apply(join(z, y), architecture.activation());
      double[] mean = px.mean().clone();
      if (architecture.likelihood() == LikelihoodFamily.BERNOULLI) {
        for (int j = 0; j < dim; j++) {
          mean[j] = 1 / (1 + Math.exp(-mean[j]));
        }
      }
      xMean[i] = mean;
      xLogVar[i] = px.logVariance();
    }
    List<LayerSample> layers = new ArrayList<>();
    for (int l = 0; l < topIndex; l++) {
      double[][][] layer = below.get(l);
      int d = architecture.layer(l).latentDim();
      layers.add(new LayerSample(tensor(layer[0], d), tensor(layer[1], d), tensor(layer[2], d)));
    }
    FloatTensor logVar =
        architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED
            ? tensor(xLogVar, dim)
            : null;
    return new Decoding(tensor(xMean, dim), logVar, layers);
  }

  /**
   * The top layer's prior p(z_L|y) of a conditional model: mean mu(y) and log variance logvar(y),
   * each [N, d_L], as the decoder graph of a conditional bundle outputs them.
   *
   * @param condition y [N, C]
   * @throws IllegalArgumentException for an unconditional model, whose prior is N(0, I)
   */
  public Gaussian topPrior(FloatTensor condition) {
    if (!architecture.conditional()) {
      throw new IllegalArgumentException("an unconditional model's top prior is N(0, I)");
    }
    if (condition == null) {
      throw new IllegalArgumentException("condition is required for a conditional model");
    }
    checkMatrix("condition", condition, -1, architecture.conditionDim());
    int n = (int) condition.dim(0);
    double[][] mean = new double[n][];
    double[][] logVar = new double[n][];
    for (int i = 0; i < n; i++) {
      Heads p = prior.apply(row(condition, i), architecture.activation());
      mean[i] = p.mean();
      logVar[i] = p.logVariance();
    }
    int d = architecture.top().latentDim();
    return new Gaussian(tensor(mean, d), tensor(logVar, d));
  }

  /**
   * The log-joint graph: log p(x|z1), log p(z) and its per-layer terms.
   *
   * @param x [N, D]
   * @param z a sample per layer, bottom-up, each [N, d_l]
   */
  public LogJoint logJoint(FloatTensor x, List<FloatTensor> z) {
    return logJoint(x, null, z);
  }

  /**
   * {@link #logJoint(FloatTensor, List)} with the condition y [N, C] of a conditional model (null
   * for an unconditional one): log p(x|z1, y), log p(z|y).
   */
  public LogJoint logJoint(FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    int n = checkData(x);
    checkCondition(condition, n);
    checkLatents("z", z, 0, n, false);
    int layers = architecture.layerCount();
    double[] logPx = new double[n];
    double[] logPz = new double[n];
    List<double[]> logPriors = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      logPriors.add(new double[n]);
    }
    for (int i = 0; i < n; i++) {
      List<double[]> zi = new ArrayList<>();
      for (FloatTensor t : z) {
        zi.add(row(t, i));
      }
      double[] y = conditionRow(condition, i);
      double[] priors = logPriors(zi, y);
      for (int l = 0; l < layers; l++) {
        logPriors.get(l)[i] = priors[l];
        logPz[i] += priors[l];
      }
      logPx[i] = logLikelihood(row(x, i), zi.get(0), y);
    }
    return new LogJoint(logPx, logPz, logPriors);
  }

  /**
   * The log-posterior graph: log q(z|x) and its per-layer terms at the given samples.
   *
   * @param x [N, D]
   * @param z a sample per layer, bottom-up, each [N, d_l]
   */
  public LogPosterior logPosterior(FloatTensor x, List<FloatTensor> z) {
    return logPosterior(x, null, z);
  }

  /**
   * {@link #logPosterior(FloatTensor, List)} with the condition y [N, C] of a conditional model
   * (null for an unconditional one): log q(z|x, y).
   */
  public LogPosterior logPosterior(FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    int n = checkData(x);
    checkCondition(condition, n);
    checkLatents("z", z, 0, n, false);
    int layers = architecture.layerCount();
    double[] logQz = new double[n];
    List<double[]> logQ = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      logQ.add(new double[n]);
    }
    for (int i = 0; i < n; i++) {
      double[] below = row(x, i);
      double[] y = conditionRow(condition, i);
      for (int l = 0; l < layers; l++) {
        Heads q = encoders.get(l).apply(join(below, y), architecture.activation());
        double[] zl = row(z.get(l), i);
        double value = gaussianLogDensity(zl, q.mean(), q.logVariance());
        logQ.get(l)[i] = value;
        logQz[i] += value;
        below = zl;
      }
    }
    return new LogPosterior(logQz, logQ);
  }

  /**
   * The log-weights graph: K samples z ~ q(z|x) per example by reparameterization, and log w = log
   * p(x|z) + log p(z) - log q(z|x) for each (Burda et al. 2015). log q uses {@code (z - mean)
   * exp(-logvar / 2) = eps}.
   *
   * @param x [N, D]
   * @param eps noise per layer, bottom-up, each [N, K, d_l]
   */
  public LogWeights logWeights(FloatTensor x, List<FloatTensor> eps) {
    return logWeights(x, null, eps);
  }

  /**
   * {@link #logWeights(FloatTensor, List)} with the condition y [N, C] of a conditional model (null
   * for an unconditional one), one row per example shared by its K samples: z ~ q(z|x, y) and log w
   * = log p(x|z, y) + log p(z|y) - log q(z|x, y), the CIWAE's weights.
   */
  public LogWeights logWeights(FloatTensor x, FloatTensor condition, List<FloatTensor> eps) {
    int n = checkData(x);
    checkCondition(condition, n);
    if (eps.isEmpty() || eps.get(0).rank() != 3) {
      throw new IllegalArgumentException("logWeights needs eps of rank 3 [N, K, d] per layer");
    }
    int k = (int) eps.get(0).dim(1);
    checkLatents("eps", eps, k, n, true);
    int layers = architecture.layerCount();
    double[][] logW = new double[n][k];
    double[][] logPx = new double[n][k];
    double[][] logPz = new double[n][k];
    double[][] logQz = new double[n][k];
    for (int i = 0; i < n; i++) {
      double[] xi = row(x, i);
      double[] y = conditionRow(condition, i);
      Heads q1 = encoders.get(0).apply(join(xi, y), architecture.activation());
      for (int s = 0; s < k; s++) {
        List<double[]> z = new ArrayList<>();
        double logQ = 0;
        for (int l = 0; l < layers; l++) {
          Heads q =
              l == 0 ? q1 : encoders.get(l).apply(join(z.get(l - 1), y), architecture.activation());
          double[] e = sampleRow(eps.get(l), i, s, k);
          z.add(sample(q, e));
          logQ += logDensityFromNoise(q.logVariance(), e);
        }
        double logPrior = 0;
        for (double value : logPriors(z, y)) {
          logPrior += value;
        }
        logPx[i][s] = logLikelihood(xi, z.get(0), y);
        logPz[i][s] = logPrior;
        logQz[i][s] = logQ;
        logW[i][s] = logPx[i][s] + logPrior - logQ;
      }
    }
    return new LogWeights(logW, logPx, logPz, logQz);
  }

  /** log p(z_l|z_{l+1}, y) per layer, bottom-up, for one example (y null when unconditional). */
  private double[] logPriors(List<double[]> z, double[] y) {
    int top = architecture.layerCount() - 1;
    double[] out = new double[top + 1];
    for (int l = 0; l < top; l++) {
      Heads p = decoders.get(l + 1).apply(join(z.get(l + 1), y), architecture.activation());
      out[l] = gaussianLogDensity(z.get(l), p.mean(), p.logVariance());
    }
    if (y != null) {
      Heads p = prior.apply(y, architecture.activation());
      out[top] = gaussianLogDensity(z.get(top), p.mean(), p.logVariance());
      return out;
    }
    double sum = 0;
    for (double v : z.get(top)) {
      sum += LOG_2PI + v * v;
    }
    out[top] = -0.5 * sum;
    return out;
  }

  /** log p(x|z1, y) for one example, summed over the D features (y null when unconditional). */
  private double logLikelihood(double[] x, double[] z1, double[] y) {
    Heads p = decoders.get(0).apply(join(z1, y), architecture.activation());
    double[] mean = p.mean();
    double sum = 0;
    switch (architecture.likelihood()) {
      case BERNOULLI -> {
        for (int j = 0; j < x.length; j++) {
          double l = mean[j];
          sum += x[j] * l - (Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l))));
        }
      }
      case GAUSSIAN_FIXED -> {
        double sigma = architecture.likelihoodSigma();
        double constant = LOG_2PI + 2 * Math.log(sigma);
        for (int j = 0; j < x.length; j++) {
          double diff = x[j] - mean[j];
          sum += -0.5 * (constant + diff * diff / (sigma * sigma));
        }
      }
      case GAUSSIAN_LEARNED -> sum = gaussianLogDensity(x, mean, p.logVariance());
    }
    return sum;
  }

  private static double gaussianLogDensity(double[] z, double[] mean, double[] logVariance) {
    double sum = 0;
    for (int j = 0; j < z.length; j++) {
      double diff = z[j] - mean[j];
      sum += LOG_2PI + logVariance[j] + diff * diff * Math.exp(-logVariance[j]);
    }
    return -0.5 * sum;
  }

  private static double logDensityFromNoise(double[] logVariance, double[] eps) {
    double sum = 0;
    for (int j = 0; j < eps.length; j++) {
      sum += LOG_2PI + logVariance[j] + eps[j] * eps[j];
    }
    return -0.5 * sum;
  }

  private static double[] sample(Heads q, double[] eps) {
    double[] z = new double[eps.length];
    for (int j = 0; j < z.length; j++) {
      z[j] = q.mean()[j] + Math.exp(0.5 * q.logVariance()[j]) * eps[j];
    }
    return z;
  }

  /** Checks that a conditional model has a condition [n, C] and an unconditional one has none. */
  private void checkCondition(FloatTensor condition, int n) {
    if (!architecture.conditional()) {
      if (condition != null) {
        throw new IllegalArgumentException("an unconditional model takes no condition");
      }
      return;
    }
    if (condition == null) {
      throw new IllegalArgumentException(
          "condition [N, " + architecture.conditionDim() + "] is required for a conditional model");
    }
    checkMatrix("condition", condition, n, architecture.conditionDim());
  }

  /** Row i of the condition, or null without one. */
  private static double[] conditionRow(FloatTensor condition, int i) {
    return condition == null ? null : row(condition, i);
  }

  /** concat(input, y), or the input itself without a condition. */
  private static double[] join(double[] input, double[] y) {
    if (y == null) {
      return input;
    }
    double[] out = Arrays.copyOf(input, input.length + y.length);
    System.arraycopy(y, 0, out, input.length, y.length);
    return out;
  }

  private int checkData(FloatTensor x) {
    checkMatrix("x", x, -1, architecture.inputDim());
    return (int) x.dim(0);
  }

  private void checkLatents(
      String what, List<FloatTensor> tensors, int k, int n, boolean perSample) {
    if (tensors.size() != architecture.layerCount()) {
      throw new IllegalArgumentException(
          what
              + " needs one tensor per layer ("
              + architecture.layerCount()
              + "), got "
              + tensors.size());
    }
    for (int l = 0; l < tensors.size(); l++) {
      StochasticLayer layer = architecture.layer(l);
      long[] expected =
          perSample ? new long[] {n, k, layer.latentDim()} : new long[] {n, layer.latentDim()};
      if (!Arrays.equals(tensors.get(l).shape(), expected)) {
        throw new IllegalArgumentException(
            what
                + " of "
                + layer.name()
                + " must have shape "
                + Arrays.toString(expected)
                + ", got "
                + Arrays.toString(tensors.get(l).shape()));
      }
    }
  }

  private static void checkMatrix(String what, FloatTensor t, long rows, long columns) {
    if (t.rank() != 2 || t.dim(1) != columns || (rows >= 0 && t.dim(0) != rows)) {
      throw new IllegalArgumentException(
          what
              + " must have shape ["
              + (rows >= 0 ? rows : "N")
              + ", "
              + columns
              + "], got "
              + Arrays.toString(t.shape()));
    }
  }

  private static double[] row(FloatTensor t, int i) {
    int width = (int) t.dim(1);
    float[] data = t.data();
    double[] out = new double[width];
    for (int j = 0; j < width; j++) {
      out[j] = data[i * width + j];
    }
    return out;
  }

  private static double[] sampleRow(FloatTensor t, int i, int s, int k) {
    int width = (int) t.dim(2);
    float[] data = t.data();
    int offset = (i * k + s) * width;
    double[] out = new double[width];
    for (int j = 0; j < width; j++) {
      out[j] = data[offset + j];
    }
    return out;
  }

  /** Rounds [N][width] to a float32 [N, width] tensor. */
  private static FloatTensor tensor(double[][] rows, int width) {
    float[] data = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < width; j++) {
        data[i * width + j] = (float) rows[i][j];
      }
    }
    return FloatTensor.of(data, rows.length, width);
  }

  private static List<double[]> copy(List<double[]> arrays) {
    return arrays.stream().map(double[]::clone).toList();
  }

  private static double[][] copy(double[][] arrays) {
    double[][] out = new double[arrays.length][];
    for (int i = 0; i < arrays.length; i++) {
      out[i] = arrays[i].clone();
    }
    return out;
  }

  /** Mean (or logits) and log variance (null where the family has none) for one example. */
  private record Heads(double[] mean, double[] logVariance) {}

  /** A {@link Dense} layer with its parameters widened to double once. */
  private record Affine(int in, int out, double[] weight, double[] bias) {
    static Affine of(Dense dense) {
      float[] w = dense.weight();
      float[] b = dense.bias();
      double[] weight = new double[w.length];
      double[] bias = new double[b.length];
      for (int i = 0; i < w.length; i++) {
        weight[i] = w[i];
      }
      for (int i = 0; i < b.length; i++) {
        bias[i] = b[i];
      }
      return new Affine(dense.in(), dense.out(), weight, bias);
    }

    /** y = x W + b. */
    double[] apply(double[] x) {
      double[] y = bias.clone();
      for (int i = 0; i < in; i++) {
        double xi = x[i];
        int rowStart = i * out;
        for (int j = 0; j < out; j++) {
          y[j] += xi * weight[rowStart + j];
        }
      }
      return y;
    }
  }

  /** A {@link GaussianMlp} in double precision. */
  private record Mlp(List<Affine> hidden, Affine mean, Affine logVariance) {
    static Mlp of(GaussianMlp mlp) {
      return new Mlp(
          mlp.hidden().stream().map(Affine::of).toList(),
          Affine.of(mlp.mean()),
          mlp.logVariance() == null ? null : Affine.of(mlp.logVariance()));
    }

    Heads apply(double[] input, Activation activation) {
      double[] h = input;
      for (Affine layer : hidden) {
        h = layer.apply(h);
        for (int j = 0; j < h.length; j++) {
          h[j] =
              switch (activation) {
                case TANH -> Math.tanh(h[j]);
                case RELU -> Math.max(h[j], 0);
              };
        }
      }
      return new Heads(mean.apply(h), logVariance == null ? null : logVariance.apply(h));
    }
  }
}
