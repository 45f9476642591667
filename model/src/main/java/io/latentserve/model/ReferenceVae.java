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
 * same inputs, outputs and formulas: hidden layers use the architecture's activation; each latent
 * layer samples, and measures log densities, as its {@link LatentFamily} says (a Gaussian {@code z
 * = mean + exp(logvar / 2) * eps}, a Bernoulli {@code z = 1[l + eps > 0]}), from the noise of the
 * family's {@link NoiseKind}; the Bernoulli log likelihood is {@code sum_d x l - softplus(l)} over
 * the logits l; the fixed-sigma Gaussian likelihood uses the architecture's sigma; the top layer's
 * prior is the architecture's {@link Prior}. Layer lists run bottom-up (index 0 is z1, next to the
 * data). Inputs are float32 {@link FloatTensor}s; arithmetic is double; parameters and samples come
 * back as float32 tensors, log densities as doubles in nats.
 *
 * <p>For a conditional architecture ({@link VaeArchitecture#conditional()}) every method takes the
 * condition y [N, C] (one row per example, shared by all of its samples), every network reads its
 * input concatenated with y as {@link VaeWeights} lays out, and the top layer's prior is p(z_L|y) =
 * N(mu(y), diag exp(logvar(y))) (or the top family's parameters affine in y). The overloads without
 * a condition serve unconditional models only.
 */
public final class ReferenceVae {

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

  /**
   * The parameters of one latent layer's distribution in its family, in {@link
   * LatentFamily#parameterNames()} order, each [N, d_l] float32.
   */
  public record LayerParameters(LatentFamily family, List<FloatTensor> parameters) {
    public LayerParameters {
      Objects.requireNonNull(family, "family");
      parameters = List.copyOf(parameters);
      if (parameters.size() != family.parameterCount()) {
        throw new IllegalArgumentException(
            family.name() + " needs " + family.parameterCount() + " parameters");
      }
    }

    /** The parameter named {@code name}, e.g. "mean", "logvar" or "logits". */
    public FloatTensor parameter(String name) {
      return parameters.get(family.parameterIndex(name));
    }
  }

  /**
   * The parameters of one latent layer's distribution, as {@link LayerParameters}, and a sample
   * drawn from it, [N, d_l] float32.
   */
  public record LayerSample(LatentFamily family, List<FloatTensor> parameters, FloatTensor sample) {
    public LayerSample {
      Objects.requireNonNull(sample, "sample");
      parameters = new LayerParameters(family, parameters).parameters();
    }

    /** The parameter named {@code name}, e.g. "mean", "logvar" or "logits". */
    public FloatTensor parameter(String name) {
      return parameters.get(family.parameterIndex(name));
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
   * @param eps noise of each layer's {@link LatentFamily#noise()} kind, bottom-up, each [N, d_l]
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
    List<LayerRows> rows = new ArrayList<>();
    for (int l = 0; l < architecture.layerCount(); l++) {
      rows.add(new LayerRows(architecture.layer(l), n));
    }
    for (int i = 0; i < n; i++) {
      double[] below = row(x, i);
      double[] y = conditionRow(condition, i);
      for (int l = 0; l < architecture.layerCount(); l++) {
        Heads q = encoders.get(l).apply(join(below, y), architecture.activation());
        double[] z = architecture.family(l).sample(q.parameters(), row(eps.get(l), i));
        rows.get(l).set(i, q, z);
        below = z;
      }
    }
    return new Encoding(rows.stream().map(LayerRows::toSample).toList());
  }

  /**
   * The decoder graph: from the top sample down, p(z_{l-1}|z_l) sampled with its noise for every
   * layer below the top, then the parameters of p(x|z1).
   *
   * @param top [N, d_L] sample of the top layer
   * @param epsBelowTop noise of each layer's family below the top, bottom-up, each [N, d_l]; empty
   *     for one layer
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
    List<LayerRows> below = new ArrayList<>();
    for (int l = 0; l < topIndex; l++) {
      below.add(new LayerRows(architecture.layer(l), n));
    }
    for (int i = 0; i < n; i++) {
      double[] z = row(top, i);
      double[] y = conditionRow(condition, i);
      for (int l = topIndex; l > 0; l--) {
        Heads p = decoders.get(l).apply(join(z, y), architecture.activation());
        double[] zBelow =
            architecture.family(l - 1).sample(p.parameters(), row(epsBelowTop.get(l - 1), i));
        below.get(l - 1).set(i, p, zBelow);
        z = zBelow;
      }
      Heads px = likelihoodHeads(z, y);
      double[] mean = px.mean().clone();
      if (architecture.likelihood() == LikelihoodFamily.BERNOULLI) {
        for (int j = 0; j < dim; j++) {
          mean[j] = 1 / (1 + Math.exp(-mean[j]));
        }
      }
      xMean[i] = mean;
      xLogVar[i] = px.logVariance();
    }
    List<LayerSample> layers = below.stream().map(LayerRows::toSample).toList();
    FloatTensor logVar =
        architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED
            ? tensor(xLogVar, dim)
            : null;
    return new Decoding(tensor(xMean, dim), logVar, layers);
  }

  /**
   * The parameters of the top layer's prior p(z_L|y) for n rows, each [n, d_L], as the decoder
   * graph outputs them for a prior with weights: for a conditional model mu(y) and logvar(y) (or
   * the top family's parameters affine in y), for a {@link Prior#LEARNED} prior its constants
   * repeated on every row, for {@link Prior#STANDARD_NORMAL} zeros.
   *
   * @param n rows; must equal the condition's rows for a conditional model
   * @param condition y [n, C] for a conditional model, else null
   */
  public LayerParameters topPrior(int n, FloatTensor condition) {
    checkCondition(condition, n);
    LayerRows rows = new LayerRows(architecture.top(), n);
    for (int i = 0; i < n; i++) {
      rows.set(i, new Heads(topPriorParameters(conditionRow(condition, i))), null);
    }
    return rows.toParameters();
  }

  /** {@link #topPrior(int, FloatTensor)} of a conditional model, one row per row of y [N, C]. */
  public LayerParameters topPrior(FloatTensor condition) {
    if (condition == null) {
      throw new IllegalArgumentException("condition is required for a conditional model");
    }
    return topPrior((int) condition.dim(0), condition);
  }

  /** The top prior's parameters for one example (y null when unconditional). */
  private double[][] topPriorParameters(double[] y) {
    Prior p = architecture.prior();
    if (p.spansAllLayers()) {
      throw new IllegalArgumentException(
          "the " + p.name() + " prior is not factorial: it has no per-unit parameters");
    }
    if (!p.hasWeights()) {
      return architecture.top().family().standardParameters(architecture.top().latentDim());
    }
    return prior.apply(y == null ? new double[0] : y, architecture.activation()).parameters();
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
    checkSupport(z);
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
    checkSupport(z);
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
        double value = architecture.family(l).logDensity(zl, q.parameters());
        logQ.get(l)[i] = value;
        logQz[i] += value;
        below = zl;
      }
    }
    return new LogPosterior(logQz, logQ);
  }

  /**
   * The log-weights graph: K samples z ~ q(z|x) per example drawn from the given noise, and log w =
   * log p(x|z) + log p(z) - log q(z|x) for each (Burda et al. 2015).
   *
   * @param x [N, D]
   * @param eps noise of each layer's family, bottom-up, each [N, K, d_l]
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
          LatentFamily family = architecture.family(l);
          double[] zl = family.sample(q.parameters(), sampleRow(eps.get(l), i, s, k));
          z.add(zl);
          logQ += family.logDensity(zl, q.parameters());
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

  /**
   * log p(z_l|z_{l+1}, y) per layer, bottom-up, for one example (y null when unconditional). For an
   * RBM prior ({@link Prior#spansAllLayers()}) the top entry holds the whole log p(z) = -E(z) - log
   * Z over every layer's units and the layers below hold 0.
   */
  private double[] logPriors(List<double[]> z, double[] y) {
    int top = architecture.layerCount() - 1;
    double[] out = new double[top + 1];
    if (architecture.prior().spansAllLayers()) {
      out[top] = rbmLogPrior(z);
      return out;
    }
    for (int l = 0; l < top; l++) {
      Heads p = decoders.get(l + 1).apply(join(z.get(l + 1), y), architecture.activation());
      out[l] = architecture.family(l).logDensity(z.get(l), p.parameters());
    }
    out[top] = architecture.family(top).logDensity(z.get(top), topPriorParameters(y));
    return out;
  }

  /** log p(z) = -E(concat(z_1..z_L)) - log Z of an RBM prior, one example. */
  private double rbmLogPrior(List<double[]> z) {
    float[] all = new float[architecture.rbmUnits()];
    int at = 0;
    for (double[] layer : z) {
      for (double v : layer) {
        all[at++] = (float) v;
      }
    }
    return -weights.rbm().energyAt(all, 0) - weights.requireLogPartition().logZ();
  }

  /** log p(x|z1, y) for one example, summed over the D features (y null when unconditional). */
  private double logLikelihood(double[] x, double[] z1, double[] y) {
    Heads p = likelihoodHeads(z1, y);
    return architecture.likelihood().logDensity(x, p.parameters(), architecture.likelihoodSigma());
  }

  /**
   * The parameters of p(x|z1, y): the first decoder's heads, the log variance of a learned-variance
   * Gaussian held at or above the architecture's floor ({@link
   * VaeArchitecture#likelihoodMinVariance}).
   */
  private Heads likelihoodHeads(double[] z1, double[] y) {
    Heads p = decoders.get(0).apply(join(z1, y), architecture.activation());
    double floor = architecture.likelihoodMinLogVariance();
    double[] logVariance = p.logVariance();
    if (logVariance != null && floor > Double.NEGATIVE_INFINITY) {
      for (int j = 0; j < logVariance.length; j++) {
        logVariance[j] = Math.max(logVariance[j], floor);
      }
    }
    return p;
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

  /** Checks that every latent value lies in its layer family's support. */
  private void checkSupport(List<FloatTensor> z) {
    for (int l = 0; l < z.size(); l++) {
      LatentFamily family = architecture.family(l);
      float[] data = z.get(l).data();
      int width = architecture.layer(l).latentDim();
      for (int i = 0; i < data.length; i++) {
        if (!family.inSupport(data[i])) {
          throw new IllegalArgumentException(
              "z of "
                  + architecture.layer(l).name()
                  + " must be "
                  + family.support()
                  + " ("
                  + family.name()
                  + "), got "
                  + data[i]
                  + " at ["
                  + i / width
                  + ", "
                  + i % width
                  + "]");
        }
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

  /** One example's network outputs, one array per head in parameter order. */
  private record Heads(double[][] parameters) {
    double[] mean() {
      return parameters[0];
    }

    double[] logVariance() {
      return parameters.length > 1 ? parameters[1] : null;
    }
  }

  /** One latent layer's parameters (and samples) row by row, turned into float32 tensors. */
  private static final class LayerRows {
    private final StochasticLayer layer;
    private final double[][][] parameters;
    private final double[][] samples;

    LayerRows(StochasticLayer layer, int n) {
      this.layer = layer;
      this.parameters = new double[layer.family().parameterCount()][n][];
      this.samples = new double[n][];
    }

    void set(int row, Heads heads, double[] sample) {
      for (int p = 0; p < parameters.length; p++) {
        parameters[p][row] = heads.parameters()[p];
      }
      samples[row] = sample;
    }

    LayerParameters toParameters() {
      List<FloatTensor> tensors = new ArrayList<>();
      for (double[][] parameter : parameters) {
        tensors.add(tensor(parameter, layer.latentDim()));
      }
      return new LayerParameters(layer.family(), tensors);
    }

    LayerSample toSample() {
      return new LayerSample(
          layer.family(), toParameters().parameters(), tensor(samples, layer.latentDim()));
    }
  }

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
      return new Heads(
          logVariance == null
              ? new double[][] {mean.apply(h)}
              : new double[][] {mean.apply(h), logVariance.apply(h)});
    }
  }
}
