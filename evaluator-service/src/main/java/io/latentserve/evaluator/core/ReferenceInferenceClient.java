package io.latentserve.evaluator.core;

import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LayerDistribution;
import io.latentserve.model.NoiseKind;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-process {@link InferenceClient} over {@link ReferenceVae}, the plain-Java double-precision
 * oracle of the bundle graphs: for tests, and for evaluating weights without an inference service.
 *
 * <p>It draws its noise exactly as the inference service does ({@link CounterNoise}; with T the
 * total latent size and o_l the offset of layer l: posterior noise of sample j, layer l, coordinate
 * c at index j T + o_l + c of stream LATENT, Encode using j = 0; prior noise at o_l + c of stream
 * PRIOR; x draws from stream OBSERVATION), so both return the same numbers up to float32 rounding.
 * Slow: one example at a time.
 */
public final class ReferenceInferenceClient implements InferenceClient {
  private final Map<String, NavigableMap<Long, Served>> models = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private record Served(ModelDescription description, ReferenceVae vae, int[] offsets, int total) {}

  /** A client serving one model version. */
  public static ReferenceInferenceClient of(String name, long version, VaeWeights weights) {
    ReferenceInferenceClient client = new ReferenceInferenceClient();
    client.add(name, version, weights);
    return client;
  }

  /** Serves another model version. */
  public ReferenceInferenceClient add(String name, long version, VaeWeights weights) {
    VaeArchitecture a = weights.architecture();
    List<LatentLayerInfo> layers =
        a.layers().stream()
            .map(l -> new LatentLayerInfo(l.name(), l.latentDim(), l.family()))
            .toList();
    ModelDescription description =
        new ModelDescription(
            name,
            version,
            a.inputShape().stream().map(Long::valueOf).toList(),
            a.likelihood(),
            a.likelihoodSigma(),
            layers,
            "cpu",
            "",
            "",
            0,
            0,
            Map.of(),
            "",
            "",
            null,
            a.conditionDim(),
            a.prior(),
            weights.logPartition(),
            a.inference());
    int[] offsets = new int[a.layerCount()];
    int total = 0;
    for (int l = 0; l < a.layerCount(); l++) {
      offsets[l] = total;
      total += a.layer(l).latentDim();
    }
    models
        .computeIfAbsent(name, n -> new java.util.concurrent.ConcurrentSkipListMap<>())
        .put(version, new Served(description, new ReferenceVae(weights), offsets, total));
    return this;
  }

  private Served served(ModelKey key) {
    if (closed) {
      throw new InferenceException(
          InferenceException.Reason.UNAVAILABLE, "reference", "the client is closed");
    }
    NavigableMap<Long, Served> versions = models.getOrDefault(key.name(), new TreeMap<>());
    Served served =
        key.version() == 0
            ? Optional.ofNullable(versions.lastEntry()).map(Map.Entry::getValue).orElse(null)
            : versions.get(key.version());
    if (served == null) {
      throw new InferenceException(
          InferenceException.Reason.NOT_FOUND, "reference", "model " + key + " is not served");
    }
    return served;
  }

  private static int checkX(Served s, FloatTensor x) {
    int d = s.description().inputDim();
    if (x.rank() != 2 || x.dim(1) != d) {
      throw invalid(
          "x has "
              + (x.rank() == 2
                  ? x.dim(1) + " features"
                  : "shape " + java.util.Arrays.toString(x.shape()))
              + ", model "
              + s.description().id()
              + " expects "
              + d);
    }
    if (x.dim(0) < 1) {
      throw invalid("x has 0 rows, at least 1 is required");
    }
    return (int) x.dim(0);
  }

  /** Checks y against the model: [rows, C] for a conditional model, absent otherwise. */
  private static void checkCondition(Served s, FloatTensor condition, int rows) {
    int c = s.description().conditionDim();
    if (c == 0) {
      if (condition != null) {
        throw invalid(
            "condition is present, but model " + s.description().id() + " is unconditional");
      }
      return;
    }
    if (condition == null) {
      throw invalid("condition is missing, model " + s.description().id() + " is conditional");
    }
    if (condition.rank() != 2 || condition.dim(0) != rows || condition.dim(1) != c) {
      throw invalid(
          "condition has shape "
              + java.util.Arrays.toString(condition.shape())
              + ", expected ["
              + rows
              + ", "
              + c
              + "]");
    }
  }

  private static InferenceException invalid(String message) {
    return new InferenceException(InferenceException.Reason.INVALID_ARGUMENT, "reference", message);
  }

  private static void checkFirstRow(long firstRow) {
    if (firstRow < 0) {
      throw invalid("first_row must be >= 0, got " + firstRow);
    }
  }

  @Override
  public ModelDescription describe(ModelKey model) {
    return served(model).description();
  }

  @Override
  public ImportanceWeights importanceWeights(
      ModelKey model,
      FloatTensor x,
      FloatTensor condition,
      long firstRow,
      int k,
      long seed,
      boolean includeComponents) {
    Served s = served(model);
    int n = checkX(s, x);
    checkCondition(s, condition, n);
    checkFirstRow(firstRow);
    if (k < 1) {
      throw invalid("k must be >= 1, got " + k);
    }
    VaeArchitecture a = s.vae().weights().architecture();
    List<FloatTensor> eps = new ArrayList<>();
    for (int l = 0; l < a.layerCount(); l++) {
      int d = a.layer(l).latentDim();
      float[] e = new float[n * k * d];
      for (int i = 0; i < n; i++) {
        long key = CounterNoise.rowKey(seed, CounterNoise.Stream.LATENT, firstRow + i);
        for (int j = 0; j < k; j++) {
          a.family(l)
              .noise()
              .fill(key, (long) j * s.total() + s.offsets()[l], e, (i * k + j) * d, d);
        }
      }
      eps.add(FloatTensor.of(e, n, k, d));
    }
    ReferenceVae.LogWeights w = s.vae().logWeights(x, condition, eps);
    FloatTensor logW = matrix(w.logW(), n, k);
    if (!includeComponents) {
      return ImportanceWeights.of(logW);
    }
    return new ImportanceWeights(
        logW,
        Optional.of(matrix(w.logPxGivenZ(), n, k)),
        Optional.of(matrix(w.logPz(), n, k)),
        Optional.of(matrix(w.logQz(), n, k)));
  }

  @Override
  public Encoding encode(
      ModelKey model,
      FloatTensor x,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow) {
    Served s = served(model);
    int n = checkX(s, x);
    checkCondition(s, condition, n);
    checkFirstRow(firstRow);
    VaeArchitecture a = s.vae().weights().architecture();
    List<FloatTensor> eps = new ArrayList<>();
    for (int l = 0; l < a.layerCount(); l++) {
      eps.add(
          noise(
              a.family(l).noise(),
              CounterNoise.Stream.LATENT,
              seed,
              firstRow,
              n,
              a.layer(l).latentDim(),
              s.offsets()[l],
              sample));
    }
    ReferenceVae.Encoding e = s.vae().encode(x, condition, eps);
    List<LayerDistribution> layers = new ArrayList<>();
    for (int l = 0; l < a.layerCount(); l++) {
      ReferenceVae.LayerSample ls = e.layers().get(l);
      layers.add(
          new LayerDistribution(
              a.layer(l).name(),
              ls.family(),
              ls.parameters(),
              sample ? Optional.of(ls.sample()) : Optional.empty()));
    }
    return new Encoding(layers);
  }

  @Override
  public Decoding decode(
      ModelKey model,
      FloatTensor zTop,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow) {
    Served s = served(model);
    VaeArchitecture a = s.vae().weights().architecture();
    int topDim = a.top().latentDim();
    if (zTop.rank() != 2 || zTop.dim(1) != topDim || zTop.dim(0) < 1) {
      throw invalid(
          "z has shape "
              + java.util.Arrays.toString(zTop.shape())
              + ", model "
              + s.description().id()
              + " expects [N, "
              + topDim
              + "]");
    }
    checkFirstRow(firstRow);
    checkCondition(s, condition, (int) zTop.dim(0));
    return decodeChecked(s, zTop, condition, sample, seed, firstRow);
  }

  private Decoding decodeChecked(
      Served s, FloatTensor zTop, FloatTensor condition, boolean sample, long seed, long firstRow) {
    VaeArchitecture a = s.vae().weights().architecture();
    int n = (int) zTop.dim(0);
    List<FloatTensor> eps = new ArrayList<>();
    for (int l = 0; l < a.layerCount() - 1; l++) {
      eps.add(
          noise(
              a.family(l).noise(),
              CounterNoise.Stream.PRIOR,
              seed,
              firstRow,
              n,
              a.layer(l).latentDim(),
              s.offsets()[l],
              sample));
    }
    ReferenceVae.Decoding d = s.vae().decode(zTop, condition, eps);
    List<LayerDistribution> intermediate = new ArrayList<>();
    for (int l = a.layerCount() - 2; l >= 0; l--) {
      ReferenceVae.LayerSample ls = d.layersBelowTop().get(l);
      intermediate.add(
          new LayerDistribution(
              a.layer(l).name(), ls.family(), ls.parameters(), Optional.of(ls.sample())));
    }
    Optional<FloatTensor> xSample =
        sample ? Optional.of(sampleX(a, d, seed, firstRow)) : Optional.empty();
    return new Decoding(d.xMean(), xSample, intermediate);
  }

  private static FloatTensor sampleX(
      VaeArchitecture a, ReferenceVae.Decoding d, long seed, long firstRow) {
    float[] m = d.xMean().data();
    int n = (int) d.xMean().dim(0);
    int width = (int) d.xMean().dim(1);
    float[] x = new float[m.length];
    float[] eps = new float[width];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.OBSERVATION, firstRow + i);
      int base = i * width;
      switch (a.likelihood()) {
        case BERNOULLI -> {
          for (int f = 0; f < width; f++) {
            x[base + f] = CounterNoise.uniform(key, f) < m[base + f] ? 1f : 0f;
          }
        }
        case GAUSSIAN_FIXED -> {
          CounterNoise.gaussian(key, 0, eps, 0, width);
          float sigma = (float) a.likelihoodSigma();
          for (int f = 0; f < width; f++) {
            x[base + f] = m[base + f] + sigma * eps[f];
          }
        }
        case GAUSSIAN_LEARNED -> {
          CounterNoise.gaussian(key, 0, eps, 0, width);
          float[] lv = d.xLogVariance().data();
          for (int f = 0; f < width; f++) {
            x[base + f] = m[base + f] + (float) Math.exp(0.5 * lv[base + f]) * eps[f];
          }
        }
        default -> throw new IllegalStateException("unknown likelihood " + a.likelihood());
      }
    }
    return FloatTensor.of(x, n, width);
  }

  /**
   * Draw i is the top family's sample from the prior's parameters of row i (N(0, I), p(z|y_i), the
   * learned constants) with PRIOR noise of the family's kind.
   */
  @Override
  public PriorSamples sample(
      ModelKey model, int n, FloatTensor condition, long seed, boolean sampleX) {
    Served s = served(model);
    if (n < 1) {
      throw invalid("n must be >= 1, got " + n);
    }
    checkCondition(s, condition, n);
    VaeArchitecture a = s.vae().weights().architecture();
    int top = a.layerCount() - 1;
    int dim = a.layer(top).latentDim();
    LatentFamily family = a.family(top);
    FloatTensor eps =
        noise(family.noise(), CounterNoise.Stream.PRIOR, seed, 0, n, dim, s.offsets()[top], true);
    ReferenceVae.LayerParameters prior = s.vae().topPrior(n, condition);
    LayerDistribution parameters =
        new LayerDistribution(a.top().name(), family, prior.parameters(), Optional.empty());
    float[] z = new float[n * dim];
    for (int i = 0; i < n; i++) {
      double[] noise = new double[dim];
      for (int c = 0; c < dim; c++) {
        noise[c] = eps.data()[i * dim + c];
      }
      double[] draw = family.sample(parameters.row(i), noise);
      for (int c = 0; c < dim; c++) {
        z[i * dim + c] = (float) draw[c];
      }
    }
    FloatTensor zTop = FloatTensor.of(z, n, dim);
    Decoding d = decodeChecked(s, zTop, condition, sampleX, seed, 0);
    return new PriorSamples(
        new LayerDistribution(a.top().name(), family, prior.parameters(), Optional.of(zTop)),
        d.xMean(),
        d.xSample());
  }

  @Override
  public LogDensities logProb(
      ModelKey model, FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    Served s = served(model);
    int n = checkX(s, x);
    checkCondition(s, condition, n);
    VaeArchitecture a = s.vae().weights().architecture();
    if (z.size() != a.layerCount()) {
      throw invalid(
          "z has "
              + z.size()
              + " tensors, model "
              + s.description().id()
              + " has "
              + a.layerCount()
              + " latent layers");
    }
    for (int l = 0; l < z.size(); l++) {
      StochasticLayer layer = a.layer(l);
      FloatTensor t = z.get(l);
      if (t.rank() != 2 || t.dim(0) != n || t.dim(1) != layer.latentDim()) {
        throw invalid(
            "z["
                + l
                + "] has shape "
                + java.util.Arrays.toString(t.shape())
                + ", expected ["
                + n
                + ", "
                + layer.latentDim()
                + "]");
      }
    }
    ReferenceVae.LogJoint joint = s.vae().logJoint(x, condition, z);
    ReferenceVae.LogPosterior posterior = s.vae().logPosterior(x, condition, z);
    List<LayerLogDensity> layers = new ArrayList<>();
    for (int l = 0; l < a.layerCount(); l++) {
      layers.add(
          new LayerLogDensity(
              a.layer(l).name(),
              vector(joint.logPriors().get(l)),
              vector(posterior.logPosteriors().get(l))));
    }
    return new LogDensities(
        vector(joint.logPxGivenZ()), vector(joint.logPz()), vector(posterior.logQz()), layers);
  }

  @Override
  public void close() {
    closed = true;
  }

  private static FloatTensor noise(
      NoiseKind kind,
      CounterNoise.Stream stream,
      long seed,
      long firstRow,
      int n,
      int d,
      int offset,
      boolean draw) {
    float[] e = new float[n * d];
    if (draw) {
      for (int i = 0; i < n; i++) {
        kind.fill(CounterNoise.rowKey(seed, stream, firstRow + i), offset, e, i * d, d);
      }
    }
    return FloatTensor.of(e, n, d);
  }

  private static FloatTensor matrix(double[][] values, int n, int k) {
    float[] out = new float[n * k];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < k; j++) {
        out[i * k + j] = (float) values[i][j];
      }
    }
    return FloatTensor.of(out, n, k);
  }

  private static FloatTensor vector(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return FloatTensor.of(out, values.length);
  }
}
