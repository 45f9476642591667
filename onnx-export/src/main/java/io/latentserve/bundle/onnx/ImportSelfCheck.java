package io.latentserve.bundle.onnx;

import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LikelihoodFamily;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The numeric check of an import: runs the composed graphs of an {@link ImportedVae} on a few
 * examples and compares every output with the same quantity computed from the imported encoder and
 * decoder run alone, the sampling and log densities in double precision (the model module's
 * reference math). It catches a network that does not run at a batch of N*K rows or whose outputs
 * have the wrong width where the graph leaves them undeclared, a composed graph that ONNX Runtime
 * cannot load, and any composition error. It cannot tell whether the outputs mean what the spec
 * says (a standard deviation given where the log variance belongs): that is the contract.
 *
 * <p>The examples are drawn from the model itself (z ~ N(0, I), x ~ p(x|z)), so that they lie in
 * the likelihood's support; the noise is seeded, so a check is reproducible.
 */
public final class ImportSelfCheck {
  /** Largest accepted |composed - reference| / max(1, |reference|): float32 with room to spare. */
  public static final double TOLERANCE = 1e-4;

  static final int EXAMPLES = 4;
  static final int SAMPLES = 8;
  private static final long SEED = 20_241_207L;

  private final ImportedVae vae;
  private final byte[] encoder;
  private final byte[] decoder;
  private final OnnxExecutor executor;
  private final int dim;
  private final int width;
  private double worst;

  private ImportSelfCheck(ImportedVae vae, byte[] encoder, byte[] decoder, OnnxExecutor executor) {
    this.vae = vae;
    this.encoder = encoder.clone();
    this.decoder = decoder.clone();
    this.executor = executor;
    this.dim = vae.spec().latentDim();
    this.width = vae.spec().inputDim();
  }

  /**
   * Checks every composed graph against the imported ones.
   *
   * @param encoder, decoder the imported graphs, as given
   * @return the largest relative difference found (<= {@link #TOLERANCE})
   * @throws ImportException naming the first output, position and values that differ
   */
  public static double check(
      ImportedVae vae, byte[] encoder, byte[] decoder, OnnxExecutor executor) {
    return new ImportSelfCheck(vae, encoder, decoder, executor).run();
  }

  private double run() {
    String layer = vae.spec().layerName();
    LatentFamily family = vae.spec().family();
    LikelihoodFamily likelihood = vae.spec().likelihood();
    double sigma = vae.spec().likelihoodSigma();
    int n = EXAMPLES;
    int k = SAMPLES;
    double[][] prior = priorParameters();

    float[] x = data(new SplittableRandom(SEED), n, prior);
    Map<String, FloatTensor> encoded0 = alone(true, FloatTensor.of(x, n, width));
    List<float[]> q =
        vae.encoder().outputs().stream().map(name -> encoded0.get(name).data()).toList();
    // The family's own noise (N(0, 1), Logistic(0, 1)), counter-based as the server draws it.
    float[] eps = new float[n * k * dim];
    for (int i = 0; i < n; i++) {
      family
          .noise()
          .fill(
              CounterNoise.rowKey(SEED, CounterNoise.Stream.LATENT, i),
              0,
              eps,
              i * k * dim,
              k * dim);
    }
    float[] z = new float[n * k * dim];
    double[][] logQz = new double[n][k];
    double[][] logPz = new double[n][k];
    for (int i = 0; i < n; i++) {
      double[][] posterior = rows(q, i, dim);
      for (int s = 0; s < k; s++) {
        int r = i * k + s;
        double[] zr = family.sample(posterior, row(eps, r, dim));
        for (int j = 0; j < dim; j++) {
          z[r * dim + j] = (float) zr[j];
        }
        double[] rounded = row(z, r, dim);
        logQz[i][s] = family.logDensity(rounded, posterior);
        logPz[i][s] = family.logDensity(rounded, prior);
      }
    }
    List<float[]> p = heads(alone(false, FloatTensor.of(z, (long) n * k, dim)));
    double[][] logPx = new double[n][k];
    double[][] logW = new double[n][k];
    for (int i = 0; i < n; i++) {
      for (int s = 0; s < k; s++) {
        int r = i * k + s;
        logPx[i][s] = likelihood.logDensity(row(x, i, width), rows(p, r, width), sigma);
        logW[i][s] = logPx[i][s] + logPz[i][s] - logQz[i][s];
      }
    }

    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.X, FloatTensor.of(x, n, width));
    inputs.put(GraphNames.eps(layer), FloatTensor.of(eps, n, k, dim));
    Map<String, FloatTensor> w = composed(GraphRole.LOG_WEIGHTS, inputs);
    compare(GraphRole.LOG_WEIGHTS, w, GraphNames.LOG_W, flat(logW));
    compare(GraphRole.LOG_WEIGHTS, w, GraphNames.LOG_PX_Z, flat(logPx));
    compare(GraphRole.LOG_WEIGHTS, w, GraphNames.LOG_PZ, flat(logPz));
    compare(GraphRole.LOG_WEIGHTS, w, GraphNames.LOG_QZ, flat(logQz));

    // The other graphs at the first sample of each example.
    float[] eps0 = firstSamples(eps, n, k, dim);
    float[] z0 = firstSamples(z, n, k, dim);
    inputs.clear();
    inputs.put(GraphNames.X, FloatTensor.of(x, n, width));
    inputs.put(GraphNames.eps(layer), FloatTensor.of(eps0, n, dim));
    Map<String, FloatTensor> encoded = composed(GraphRole.ENCODER, inputs);
    List<String> parameters = family.parameterNames();
    for (int h = 0; h < parameters.size(); h++) {
      compare(
          GraphRole.ENCODER,
          encoded,
          GraphNames.parameter(layer, parameters.get(h)),
          doubles(q.get(h)));
    }
    compare(GraphRole.ENCODER, encoded, GraphNames.sample(layer), doubles(z0));

    Map<String, FloatTensor> decoded =
        composed(GraphRole.DECODER, Map.of(GraphNames.sample(layer), FloatTensor.of(z0, n, dim)));
    double[] xMean = doubles(firstSamples(p.get(0), n, k, width));
    if (likelihood == LikelihoodFamily.BERNOULLI) {
      for (int i = 0; i < xMean.length; i++) {
        xMean[i] = 1 / (1 + Math.exp(-xMean[i]));
      }
    }
    compare(GraphRole.DECODER, decoded, GraphNames.X_MEAN, xMean);
    if (likelihood == LikelihoodFamily.GAUSSIAN_LEARNED) {
      compare(
          GraphRole.DECODER,
          decoded,
          GraphNames.X_LOGVAR,
          doubles(firstSamples(p.get(1), n, k, width)));
    }
    if (vae.architecture().prior().hasWeights()) {
      for (int h = 0; h < parameters.size(); h++) {
        double[] repeated = new double[n * dim];
        for (int i = 0; i < n; i++) {
          System.arraycopy(prior[h], 0, repeated, i * dim, dim);
        }
        compare(
            GraphRole.DECODER,
            decoded,
            GraphNames.priorParameter(layer, parameters.get(h)),
            repeated);
      }
    }

    inputs.clear();
    inputs.put(GraphNames.X, FloatTensor.of(x, n, width));
    inputs.put(GraphNames.sample(layer), FloatTensor.of(z0, n, dim));
    Map<String, FloatTensor> joint = composed(GraphRole.LOG_JOINT, inputs);
    compare(GraphRole.LOG_JOINT, joint, GraphNames.LOG_PX_Z, firstColumn(logPx));
    compare(GraphRole.LOG_JOINT, joint, GraphNames.LOG_PZ, firstColumn(logPz));
    compare(GraphRole.LOG_JOINT, joint, GraphNames.logPrior(layer), firstColumn(logPz));
    Map<String, FloatTensor> posterior = composed(GraphRole.LOG_POSTERIOR, inputs);
    compare(GraphRole.LOG_POSTERIOR, posterior, GraphNames.LOG_QZ, firstColumn(logQz));
    compare(GraphRole.LOG_POSTERIOR, posterior, GraphNames.logPosterior(layer), firstColumn(logQz));
    return worst;
  }

  /** The prior's parameters [heads][d]: N(0, I), or the spec's logits rounded to float32. */
  private double[][] priorParameters() {
    if (vae.spec().priorLogits().isEmpty()) {
      return vae.spec().family().standardParameters(dim);
    }
    double[] logits = new double[dim];
    for (int j = 0; j < dim; j++) {
      logits[j] = vae.spec().priorLogits().get(j).floatValue();
    }
    return new double[][] {logits};
  }

  /** Row r of each head, as the family's parameters [heads][width]. */
  private static double[][] rows(List<float[]> heads, int r, int width) {
    double[][] out = new double[heads.size()][];
    for (int h = 0; h < heads.size(); h++) {
      out[h] = row(heads.get(h), r, width);
    }
    return out;
  }

  /**
   * Examples from the model: x ~ p(x|z) for z drawn from the prior, through the imported decoder
   * alone (a Gaussian's draws rounded to float32).
   */
  private float[] data(SplittableRandom random, int n, double[][] prior) {
    LatentFamily family = vae.spec().family();
    float[] z = new float[n * dim];
    float[] noise = new float[dim];
    for (int i = 0; i < n; i++) {
      family
          .noise()
          .fill(CounterNoise.rowKey(SEED, CounterNoise.Stream.PRIOR, i), 0, noise, 0, dim);
      double[] zi = family.sample(prior, doubles(noise));
      for (int j = 0; j < dim; j++) {
        z[i * dim + j] = (float) zi[j];
      }
    }
    List<float[]> p = heads(alone(false, FloatTensor.of(z, n, dim)));
    float[] x = new float[n * width];
    for (int i = 0; i < x.length; i++) {
      double mean = p.get(0)[i];
      x[i] =
          switch (vae.spec().likelihood()) {
            case BERNOULLI -> random.nextDouble() < 1 / (1 + Math.exp(-mean)) ? 1f : 0f;
            case GAUSSIAN_FIXED -> (float) (mean + vae.spec().likelihoodSigma() * normal(random));
            case GAUSSIAN_LEARNED -> (float) (mean + Math.exp(0.5 * p.get(1)[i]) * normal(random));
          };
    }
    return x;
  }

  /** The imported encoder or decoder run alone on {@code input}. */
  private Map<String, FloatTensor> alone(boolean isEncoder, FloatTensor input) {
    ImportedVae.Network network = isEncoder ? vae.encoder() : vae.decoder();
    String what = "the imported " + (isEncoder ? "encoder" : "decoder");
    Map<String, FloatTensor> out =
        executor.run(what, isEncoder ? encoder : decoder, Map.of(network.input(), input));
    int expectedWidth = isEncoder ? dim : width;
    for (String name : network.outputs()) {
      FloatTensor t = out.get(name);
      if (t == null || t.rank() != 2 || t.dim(0) != input.dim(0) || t.dim(1) != expectedWidth) {
        throw new ImportException(
            what
                + " output "
                + name
                + " has shape "
                + (t == null ? "none" : java.util.Arrays.toString(t.shape()))
                + " for an input of "
                + input.dim(0)
                + " rows; the contract needs ["
                + input.dim(0)
                + ", "
                + expectedWidth
                + "]");
      }
    }
    return out;
  }

  private List<float[]> heads(Map<String, FloatTensor> decoded) {
    return vae.decoder().outputs().stream().map(name -> decoded.get(name).data()).toList();
  }

  private Map<String, FloatTensor> composed(GraphRole role, Map<String, FloatTensor> inputs) {
    return executor.run("the composed " + role.fileName(), vae.graphs().model(role), inputs);
  }

  private void compare(
      GraphRole role, Map<String, FloatTensor> outputs, String name, double[] expected) {
    FloatTensor actual = outputs.get(name);
    if (actual == null || actual.size() != expected.length) {
      throw new ImportException(
          "self-check failed: the composed "
              + role.fileName()
              + " gives no output "
              + name
              + " of "
              + expected.length
              + " values");
    }
    for (int i = 0; i < expected.length; i++) {
      double a = actual.data()[i];
      double error = Math.abs(a - expected[i]) / Math.max(1, Math.abs(expected[i]));
      if (!(error <= TOLERANCE)) {
        throw new ImportException(
            "self-check failed: "
                + name
                + " of the composed "
                + role.fileName()
                + " at flat index "
                + i
                + " is "
                + a
                + ", the imported encoder and decoder run alone give "
                + expected[i]
                + " (relative tolerance "
                + TOLERANCE
                + ")");
      }
      worst = Math.max(worst, error);
    }
  }

  /** A standard normal draw (Box-Muller). */
  private static double normal(SplittableRandom random) {
    double u = 1 - random.nextDouble(); // (0, 1]
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  private static double[] row(float[] data, int r, int width) {
    double[] out = new double[width];
    for (int j = 0; j < width; j++) {
      out[j] = data[r * width + j];
    }
    return out;
  }

  private static float[] firstSamples(float[] perSample, int n, int k, int width) {
    float[] out = new float[n * width];
    for (int i = 0; i < n; i++) {
      System.arraycopy(perSample, i * k * width, out, i * width, width);
    }
    return out;
  }

  private static double[] doubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  private static double[] flat(double[][] values) {
    return java.util.Arrays.stream(values).flatMapToDouble(java.util.Arrays::stream).toArray();
  }

  private static double[] firstColumn(double[][] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i][0];
    }
    return out;
  }
}
