package io.latentserve.inference.core;

import io.latentserve.bundle.Bundle;
import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LayerDistribution;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.LogPartition;
import io.latentserve.model.Rbm;
import io.latentserve.model.RbmGibbs;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The {@link VaeModel} over a {@link GraphRunner}: validates requests, draws every random number
 * from {@link CounterNoise} and lets the runner do the math.
 *
 * <p>Noise layout, with T the total latent size (sum of d_l) and o_l the offset of layer l (sum of
 * the sizes below it); row r = firstRow + i:
 *
 * <p>Each layer's noise is of its {@link LatentFamily#noise() family's kind} (N(0, 1) for a
 * Gaussian layer, Logistic(0, 1) for a Bernoulli one), drawn at the same counter indices whatever
 * the kind, so a Bernoulli draw too is a pure function of (seed, row, sample index, unit):
 *
 * <ul>
 *   <li>posterior noise eps of importance sample j, layer l, coordinate c: stream {@code LATENT},
 *       index {@code j * T + o_l + c}. Encode with samples uses j = 0, so it equals importance
 *       sample 0.
 *   <li>prior noise of layer l, coordinate c (the top draw of Sample, the intermediate layers of
 *       Decode and Sample): stream {@code PRIOR}, index {@code o_l + c}. Sample therefore equals
 *       Decode of its own z with the same seed and first row 0.
 *   <li>x draws, feature f: stream {@code OBSERVATION}; Bernoulli x = 1 iff uniform(f) < p,
 *       Gaussian x = mean + sigma * gaussian(f).
 * </ul>
 *
 * <p>Placement: with A the runner's {@link GraphRunner#rowAlignment()}, row {@code firstRow + i}
 * goes to a batch position congruent to it modulo A (by leading copies of the first row), and
 * importance sample j to a position congruent to j (by computing the samples from the multiple of A
 * below the first one, up to a multiple of A). The padding is computed and dropped. Results are
 * then bit-identical however a caller splits rows (with adjusted {@code firstRow}) or chunks
 * samples, on an engine whose rounding depends on a row's memory alignment. LogProb has no first
 * row: its rows are placed from position 0.
 *
 * <p>A conditional model's condition y is fed to every graph as the input {@code condition}, placed
 * (and padded) exactly like the rows of x or z it belongs to, so the placement guarantees hold for
 * it too. Sample draws the top layer from its prior's parameters: the family's standard parameters
 * for N(0, I); for a prior with weights (p(z|y) of a conditional model, learned constants) a first
 * decoder run reads them from the decoder's {@code <top>_prior_<param>} outputs, which do not
 * depend on the z fed. Then z = {@link LatentFamily#sample} of those parameters with the PRIOR
 * noise eps of the family's kind, the same noise whatever the prior, then the decode proper.
 */
public final class SeededVaeModel implements VaeModel {
  /** Noise values per ImportanceWeights chunk above which rows are filled in parallel. */
  private static final long PARALLEL_NOISE_VALUES = 1 << 20;

  private final ModelId id;
  private final VaeArchitecture architecture;
  private final GraphRunner runner;
  private final ModelLimits limits;
  private final List<StochasticLayer> layers;
  private final int[] offsets;
  private final int totalLatentDim;
  private final int alignment;
  private final RbmGibbs gibbs;
  private final LogPartition logPartition;

  /**
   * @param id name and version, for messages
   * @param architecture the bundle's architecture
   * @param runner executes the bundle's graphs; owned (closed) by this model
   * @param limits per-request limits
   */
  public SeededVaeModel(
      ModelId id, VaeArchitecture architecture, GraphRunner runner, ModelLimits limits) {
    this(id, architecture, runner, limits, null, null);
  }

  /**
   * A model with an RBM prior ({@link io.latentserve.model.Prior#RBM}): its parameters, read from
   * the bundle's log-joint graph, drive the Gibbs sweeps of Sample; its log Z is the manifest's.
   *
   * @param rbm the RBM prior's parameters; null for other priors
   * @param logPartition its log Z estimate; null for other priors
   */
  public SeededVaeModel(
      ModelId id,
      VaeArchitecture architecture,
      GraphRunner runner,
      ModelLimits limits,
      Rbm rbm,
      LogPartition logPartition) {
    if (architecture.prior().spansAllLayers() != (rbm != null)
        || (rbm == null) != (logPartition == null)) {
      throw new IllegalArgumentException(
          "an rbm-prior model needs its RBM and log Z and no other model has them; prior "
              + architecture.prior().name());
    }
    this.gibbs = rbm == null ? null : new RbmGibbs(rbm);
    this.logPartition = logPartition;
    this.id = Objects.requireNonNull(id, "id");
    this.architecture = Objects.requireNonNull(architecture, "architecture");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.layers = architecture.layers();
    this.offsets = new int[layers.size()];
    int total = 0;
    for (int l = 0; l < layers.size(); l++) {
      offsets[l] = total;
      total += layers.get(l).latentDim();
    }
    this.totalLatentDim = total;
    this.alignment = runner.rowAlignment();
    if (alignment < 1) {
      throw new IllegalArgumentException(
          "rowAlignment of " + runner + " must be >= 1, got " + alignment);
    }
  }

  /** A model for {@code bundle} over {@code runner} (which must execute that bundle's graphs). */
  public static SeededVaeModel of(Bundle bundle, GraphRunner runner, ModelLimits limits) {
    return of(bundle, runner, limits, null);
  }

  /**
   * A model for {@code bundle} over {@code runner}, with the parameters of its RBM prior (null for
   * other priors; the log Z is the manifest's).
   */
  public static SeededVaeModel of(Bundle bundle, GraphRunner runner, ModelLimits limits, Rbm rbm) {
    return new SeededVaeModel(
        new ModelId(bundle.modelName(), bundle.version()),
        bundle.manifest().architecture(),
        runner,
        limits,
        rbm,
        bundle.manifest().logPartition());
  }

  @Override
  public ModelId id() {
    return id;
  }

  @Override
  public VaeArchitecture architecture() {
    return architecture;
  }

  @Override
  public String device() {
    return runner.device();
  }

  @Override
  public ModelLimits limits() {
    return limits;
  }

  @Override
  public EncodeResult encode(
      FloatTensor x, FloatTensor condition, boolean sample, long seed, long firstRow) {
    EncoderRun run = encoderRun(x, condition, sample, seed, firstRow);
    return run.result(runner.run(GraphRole.ENCODER, run.inputs()));
  }

  @Override
  public CompletableFuture<EncodeResult> encodeAsync(
      FloatTensor x, FloatTensor condition, boolean sample, long seed, long firstRow) {
    EncoderRun run = encoderRun(x, condition, sample, seed, firstRow);
    return runner.runAsync(GraphRole.ENCODER, run.inputs()).thenApply(run::result);
  }

  /** Checks an Encode request and prepares the encoder's inputs. */
  private EncoderRun encoderRun(
      FloatTensor x, FloatTensor condition, boolean sample, long seed, long firstRow) {
    int n = checkX(x);
    checkCondition(condition, n, "x has " + n);
    InputChecks.firstRow(firstRow, n);
    int lead = lead(firstRow);
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.X, padFront(x, lead));
    putCondition(inputs, condition, lead);
    for (int l = 0; l < layers.size(); l++) {
      int d = layers.get(l).latentDim();
      float[] eps = new float[(lead + n) * d];
      if (sample) {
        for (int i = 0; i < n; i++) {
          long key = CounterNoise.rowKey(seed, CounterNoise.Stream.LATENT, firstRow + i);
          layers.get(l).family().noise().fill(key, offsets[l], eps, (lead + i) * d, d);
        }
      }
      inputs.put(GraphNames.eps(layers.get(l).name()), FloatTensor.of(eps, lead + n, d));
    }
    return new EncoderRun(inputs, lead, n, sample);
  }

  /** An encoder run's inputs, and how to read its outputs back into an {@link EncodeResult}. */
  private final class EncoderRun {
    private final Map<String, FloatTensor> inputs;
    private final int lead;
    private final int n;
    private final boolean sample;

    EncoderRun(Map<String, FloatTensor> inputs, int lead, int n, boolean sample) {
      this.inputs = inputs;
      this.lead = lead;
      this.n = n;
      this.sample = sample;
    }

    Map<String, FloatTensor> inputs() {
      return inputs;
    }

    EncodeResult result(Map<String, FloatTensor> outputs) {
      Map<String, FloatTensor> out = dropFront(outputs, lead, n);
      List<LayerDistribution> result = new ArrayList<>(layers.size());
      for (StochasticLayer layer : layers) {
        String name = layer.name();
        List<FloatTensor> parameters = new ArrayList<>();
        for (String parameter : layer.family().parameterNames()) {
          parameters.add(output(out, GraphRole.ENCODER, GraphNames.parameter(name, parameter)));
        }
        result.add(
            new LayerDistribution(
                name,
                layer.family(),
                parameters,
                sample
                    ? Optional.of(output(out, GraphRole.ENCODER, GraphNames.sample(name)))
                    : Optional.empty()));
      }
      return new EncodeResult(result);
    }
  }

  @Override
  public DecodeResult decode(
      FloatTensor zTop, FloatTensor condition, boolean sample, long seed, long firstRow) {
    StochasticLayer top = architecture.top();
    int n =
        InputChecks.matrix("z", zTop, top.latentDim(), "columns", id, limits.maxRowsPerRequest());
    checkCondition(condition, n, "z has " + n);
    InputChecks.firstRow(firstRow, n);
    return decodeChecked(zTop, condition, n, sample, seed, firstRow);
  }

  @Override
  public LogPartition logPartition() {
    return logPartition;
  }

  /**
   * Draws of an RBM prior: {@code gibbsSweeps} block Gibbs sweeps per draw from the PRIOR noise of
   * row i ({@link RbmGibbs}), the logits of each unit given the other half of the draw, then the
   * decode of a one-layer model. Other priors take {@code gibbsSweeps} 0 only.
   */
  @Override
  public SampleResult sample(
      int n, FloatTensor condition, long seed, boolean sampleX, int gibbsSweeps) {
    if (gibbs == null) {
      return VaeModel.super.sample(n, condition, seed, sampleX, gibbsSweeps);
    }
    InputChecks.count("n", n, limits.maxRowsPerRequest());
    checkCondition(condition, n, "n is " + n);
    int units = architecture.rbmUnits();
    int sweeps = RbmSampling.sweeps(gibbsSweeps, n, units);
    if (layers.size() != 1) {
      throw new FailedPreconditionException(
          "Sample of "
              + id
              + " is not supported: its rbm prior spans "
              + layers.size()
              + " layers, and the decoder graph draws the layers below the top from the decoder"
              + " chain; use Decode with z1 of the draws");
    }
    float[] z = gibbs.sample(seed, 0, n, sweeps);
    FloatTensor draws = FloatTensor.of(z, n, units);
    FloatTensor logits = FloatTensor.of(gibbs.rbm().conditionalLogits(z, n), n, units);
    StochasticLayer layer = layers.get(0);
    LayerDistribution prior =
        new LayerDistribution(layer.name(), layer.family(), List.of(logits), Optional.of(draws));
    return new SampleResult(prior, decodeChecked(draws, null, n, sampleX, seed, 0), sweeps);
  }

  @Override
  public SampleResult sample(int n, FloatTensor condition, long seed, boolean sampleX) {
    if (gibbs != null) {
      return sample(n, condition, seed, sampleX, 0);
    }
    InputChecks.count("n", n, limits.maxRowsPerRequest());
    checkCondition(condition, n, "n is " + n);
    int top = layers.size() - 1;
    StochasticLayer layer = layers.get(top);
    LatentFamily family = layer.family();
    int d = layer.latentDim();
    List<FloatTensor> parameters = topPriorParameters(n, condition, seed);
    float[] z = new float[n * d];
    float[] eps = new float[d];
    double[] noise = new double[d];
    double[][] rowParameters = new double[family.parameterCount()][d];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.PRIOR, i);
      family.noise().fill(key, offsets[top], eps, 0, d);
      for (int c = 0; c < d; c++) {
        noise[c] = eps[c];
      }
      for (int p = 0; p < rowParameters.length; p++) {
        float[] values = parameters.get(p).data();
        for (int c = 0; c < d; c++) {
          rowParameters[p][c] = values[i * d + c];
        }
      }
      double[] draw = family.sample(rowParameters, noise);
      for (int c = 0; c < d; c++) {
        z[i * d + c] = (float) draw[c];
      }
    }
    FloatTensor zTop = FloatTensor.of(z, n, d);
    LayerDistribution prior =
        new LayerDistribution(layer.name(), family, parameters, Optional.of(zTop));
    return new SampleResult(prior, decodeChecked(zTop, condition, n, sampleX, seed, 0));
  }

  /**
   * The top prior's parameters for n draws, each [n, d_L]: the family's standard parameters for a
   * prior without weights, else the decoder's {@code <top>_prior_<param>} outputs of a run that
   * feeds z = 0 (they do not depend on it).
   */
  private List<FloatTensor> topPriorParameters(int n, FloatTensor condition, long seed) {
    StochasticLayer top = architecture.top();
    int d = top.latentDim();
    List<FloatTensor> parameters = new ArrayList<>();
    if (!architecture.prior().hasWeights()) {
      for (double[] values : top.family().standardParameters(d)) {
        float[] data = new float[n * d];
        for (int i = 0; i < n; i++) {
          for (int c = 0; c < d; c++) {
            data[i * d + c] = (float) values[c];
          }
        }
        parameters.add(FloatTensor.of(data, n, d));
      }
      return parameters;
    }
    Map<String, FloatTensor> out =
        decoderRun(FloatTensor.of(new float[n * d], n, d), condition, n, false, seed, 0);
    for (String parameter : top.family().parameterNames()) {
      parameters.add(
          output(out, GraphRole.DECODER, GraphNames.priorParameter(top.name(), parameter)));
    }
    return parameters;
  }

  /**
   * DECODER outputs for rows {@code [firstRow, firstRow + n)}, placed and with the padding dropped.
   */
  private Map<String, FloatTensor> decoderRun(
      FloatTensor zTop, FloatTensor condition, int n, boolean sample, long seed, long firstRow) {
    int top = layers.size() - 1;
    int lead = lead(firstRow);
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.sample(layers.get(top).name()), padFront(zTop, lead));
    putCondition(inputs, condition, lead);
    for (int l = 0; l < top; l++) {
      int d = layers.get(l).latentDim();
      float[] eps = new float[(lead + n) * d];
      if (sample) {
        for (int i = 0; i < n; i++) {
          long key = CounterNoise.rowKey(seed, CounterNoise.Stream.PRIOR, firstRow + i);
          layers.get(l).family().noise().fill(key, offsets[l], eps, (lead + i) * d, d);
        }
      }
      inputs.put(GraphNames.eps(layers.get(l).name()), FloatTensor.of(eps, lead + n, d));
    }
    return dropFront(runner.run(GraphRole.DECODER, inputs), lead, n);
  }

  private DecodeResult decodeChecked(
      FloatTensor zTop, FloatTensor condition, int n, boolean sample, long seed, long firstRow) {
    int top = layers.size() - 1;
    Map<String, FloatTensor> out = decoderRun(zTop, condition, n, sample, seed, firstRow);
    FloatTensor xMean = output(out, GraphRole.DECODER, GraphNames.X_MEAN);
    Optional<FloatTensor> xLogVariance =
        architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED
            ? Optional.of(output(out, GraphRole.DECODER, GraphNames.X_LOGVAR))
            : Optional.empty();
    Optional<FloatTensor> xSample =
        sample
            ? Optional.of(sampleX(xMean, xLogVariance.orElse(null), seed, firstRow))
            : Optional.empty();
    List<LayerDistribution> intermediate = new ArrayList<>(top);
    for (int l = top - 1; l >= 0; l--) {
      StochasticLayer layer = layers.get(l);
      String name = layer.name();
      List<FloatTensor> parameters = new ArrayList<>();
      for (String parameter : layer.family().parameterNames()) {
        parameters.add(output(out, GraphRole.DECODER, GraphNames.priorParameter(name, parameter)));
      }
      intermediate.add(
          new LayerDistribution(
              name,
              layer.family(),
              parameters,
              Optional.of(output(out, GraphRole.DECODER, GraphNames.sample(name)))));
    }
    return new DecodeResult(xMean, xLogVariance, xSample, intermediate);
  }

  /** Draws x ~ p(x|z1) from the decoder's parameters with OBSERVATION noise. */
  private FloatTensor sampleX(FloatTensor mean, FloatTensor logVariance, long seed, long firstRow) {
    int n = (int) mean.dim(0);
    int width = (int) mean.dim(1);
    float[] m = mean.data();
    float[] x = new float[m.length];
    float[] eps = new float[width];
    for (int i = 0; i < n; i++) {
      long key = CounterNoise.rowKey(seed, CounterNoise.Stream.OBSERVATION, firstRow + i);
      int base = i * width;
      switch (architecture.likelihood()) {
        case BERNOULLI -> {
          for (int f = 0; f < width; f++) {
            x[base + f] = CounterNoise.uniform(key, f) < m[base + f] ? 1f : 0f;
          }
        }
        case GAUSSIAN_FIXED -> {
          CounterNoise.gaussian(key, 0, eps, 0, width);
          float sigma = (float) architecture.likelihoodSigma();
          for (int f = 0; f < width; f++) {
            x[base + f] = m[base + f] + sigma * eps[f];
          }
        }
        case GAUSSIAN_LEARNED -> {
          CounterNoise.gaussian(key, 0, eps, 0, width);
          float[] lv = logVariance.data();
          for (int f = 0; f < width; f++) {
            x[base + f] = m[base + f] + (float) Math.exp(0.5 * lv[base + f]) * eps[f];
          }
        }
        default ->
            throw new IllegalStateException("unknown likelihood " + architecture.likelihood());
      }
    }
    return FloatTensor.of(x, n, width);
  }

  @Override
  public LogProbResult logProb(FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    Map<String, FloatTensor> inputs = logProbInputs(x, condition, z);
    return logProbResult(
        runner.run(GraphRole.LOG_JOINT, inputs), runner.run(GraphRole.LOG_POSTERIOR, inputs));
  }

  @Override
  public CompletableFuture<LogProbResult> logProbAsync(
      FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    Map<String, FloatTensor> inputs = logProbInputs(x, condition, z);
    // Both graphs are queued at once: the call waits for one batching round trip, not two.
    return runner
        .runAsync(GraphRole.LOG_JOINT, inputs)
        .thenCombine(runner.runAsync(GraphRole.LOG_POSTERIOR, inputs), this::logProbResult);
  }

  /** Checks a LogProb request and prepares the inputs of its two graphs. */
  private Map<String, FloatTensor> logProbInputs(
      FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    int n = checkX(x);
    checkCondition(condition, n, "x has " + n);
    if (z == null || z.size() != layers.size()) {
      throw new InvalidInputException(
          "z",
          "z has "
              + (z == null ? 0 : z.size())
              + " tensors, model "
              + id
              + " has "
              + layers.size()
              + " latent layers "
              + layers.stream().map(StochasticLayer::name).toList());
    }
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.X, x);
    putCondition(inputs, condition, 0);
    for (int l = 0; l < layers.size(); l++) {
      StochasticLayer layer = layers.get(l);
      String field = "z[" + l + "]";
      FloatTensor zl = z.get(l);
      int rows =
          InputChecks.matrix(
              field,
              zl,
              layer.latentDim(),
              "columns (layer " + layer.name() + ")",
              id,
              limits.maxRowsPerRequest());
      if (rows != n) {
        throw new InvalidInputException(
            field, field + " has " + rows + " rows, x has " + n + ": they must match");
      }
      InputChecks.support(field, zl, layer);
      inputs.put(GraphNames.sample(layer.name()), zl);
    }
    return inputs;
  }

  private LogProbResult logProbResult(
      Map<String, FloatTensor> joint, Map<String, FloatTensor> posterior) {
    List<LayerLogProb> perLayer = new ArrayList<>(layers.size());
    for (StochasticLayer layer : layers) {
      perLayer.add(
          new LayerLogProb(
              layer.name(),
              output(joint, GraphRole.LOG_JOINT, GraphNames.logPrior(layer.name())),
              output(posterior, GraphRole.LOG_POSTERIOR, GraphNames.logPosterior(layer.name()))));
    }
    return new LogProbResult(
        output(joint, GraphRole.LOG_JOINT, GraphNames.LOG_PX_Z),
        output(joint, GraphRole.LOG_JOINT, GraphNames.LOG_PZ),
        output(posterior, GraphRole.LOG_POSTERIOR, GraphNames.LOG_QZ),
        perLayer);
  }

  @Override
  public List<SampleRange> planImportanceWeights(int rows, int k, int requestedChunkSize) {
    InputChecks.count("k", k, limits.maxSamples());
    if (requestedChunkSize < 0) {
      throw new InvalidInputException(
          "chunk_size",
          "chunk_size must be >= 0 (0 lets the server choose), got " + requestedChunkSize);
    }
    if (rows < 1) {
      throw new InvalidInputException("x", "x has " + rows + " rows, at least 1 is required");
    }
    int size =
        ImportanceChunking.chunkSize(rows, k, requestedChunkSize, limits.importanceRowBudget());
    return ImportanceChunking.ranges(k, size);
  }

  @Override
  public LogWeightsChunk importanceWeights(
      FloatTensor x,
      FloatTensor condition,
      int sampleOffset,
      int count,
      long seed,
      long firstRow,
      boolean includeComponents) {
    int n = checkX(x);
    checkCondition(condition, n, "x has " + n);
    InputChecks.firstRow(firstRow, n);
    if (sampleOffset < 0) {
      throw new InvalidInputException(
          "sample_offset", "sample_offset must be >= 0, got " + sampleOffset);
    }
    InputChecks.count("count", count, limits.maxSamples());
    if ((long) sampleOffset + count > limits.maxSamples()) {
      long end = (long) sampleOffset + count;
      throw new LimitExceededException(
          "k",
          limits.maxSamples(),
          end,
          "samples up to " + end + " requested, the limit is " + limits.maxSamples());
    }
    // Rows from position lead, samples from the multiple of the alignment at or below
    // sampleOffset: every (row, sample) sits where it would in any other split or chunking.
    int lead = lead(firstRow);
    int sampleLead = Math.floorMod(sampleOffset, alignment);
    int columns = (sampleLead + count + alignment - 1) / alignment * alignment;
    long firstSample = sampleOffset - sampleLead;
    int rows = lead + n;
    float[][] eps = new float[layers.size()][];
    for (int l = 0; l < layers.size(); l++) {
      eps[l] =
          new float
              [Math.multiplyExact(Math.multiplyExact(rows, columns), layers.get(l).latentDim())];
    }
    IntConsumer fillRow =
        i -> {
          long key = CounterNoise.rowKey(seed, CounterNoise.Stream.LATENT, firstRow + i);
          for (int s = 0; s < columns; s++) {
            long base = (firstSample + s) * totalLatentDim;
            for (int l = 0; l < layers.size(); l++) {
              StochasticLayer layer = layers.get(l);
              int d = layer.latentDim();
              layer
                  .family()
                  .noise()
                  .fill(key, base + offsets[l], eps[l], ((lead + i) * columns + s) * d, d);
            }
          }
        };
    // Rows write disjoint ranges, so filling them in parallel gives the same numbers; a large
    // chunk's noise otherwise takes as long as the graph itself on a GPU.
    if ((long) n * columns * totalLatentDim >= PARALLEL_NOISE_VALUES) {
      IntStream.range(0, n).parallel().forEach(fillRow);
    } else {
      IntStream.range(0, n).forEach(fillRow);
    }
    Map<String, FloatTensor> inputs = new LinkedHashMap<>();
    inputs.put(GraphNames.X, padFront(x, lead));
    putCondition(inputs, condition, lead);
    for (int l = 0; l < layers.size(); l++) {
      StochasticLayer layer = layers.get(l);
      inputs.put(
          GraphNames.eps(layer.name()), FloatTensor.of(eps[l], rows, columns, layer.latentDim()));
    }
    Map<String, FloatTensor> raw = runner.run(GraphRole.LOG_WEIGHTS, inputs);
    Map<String, FloatTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, FloatTensor> e : raw.entrySet()) {
      out.put(e.getKey(), block(e.getValue(), lead, n, sampleLead, count));
    }
    Optional<LogWeightsChunk.Components> components =
        includeComponents
            ? Optional.of(
                new LogWeightsChunk.Components(
                    output(out, GraphRole.LOG_WEIGHTS, GraphNames.LOG_PX_Z),
                    output(out, GraphRole.LOG_WEIGHTS, GraphNames.LOG_PZ),
                    output(out, GraphRole.LOG_WEIGHTS, GraphNames.LOG_QZ)))
            : Optional.empty();
    return new LogWeightsChunk(
        sampleOffset, output(out, GraphRole.LOG_WEIGHTS, GraphNames.LOG_W), components);
  }

  @Override
  public void close() {
    runner.close();
  }

  @Override
  public String toString() {
    return "SeededVaeModel[" + id + " on " + runner.device() + "]";
  }

  /** Leading padding rows that put row {@code firstRow} at a position congruent to it. */
  private int lead(long firstRow) {
    return (int) Math.floorMod(firstRow, (long) alignment);
  }

  /** {@code t} with {@code lead} copies of its first row in front (a valid input to discard). */
  private static FloatTensor padFront(FloatTensor t, int lead) {
    if (lead == 0) {
      return t;
    }
    int rowSize = t.rowSize();
    long[] shape = t.shape();
    shape[0] += lead;
    float[] data = new float[t.size() + lead * rowSize];
    for (int r = 0; r < lead; r++) {
      System.arraycopy(t.data(), 0, data, r * rowSize, rowSize);
    }
    System.arraycopy(t.data(), 0, data, lead * rowSize, t.size());
    return FloatTensor.of(data, shape);
  }

  /** Rows {@code [lead, lead + n)} of every output. */
  private static Map<String, FloatTensor> dropFront(
      Map<String, FloatTensor> outputs, int lead, int n) {
    if (lead == 0) {
      return outputs;
    }
    Map<String, FloatTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, FloatTensor> e : outputs.entrySet()) {
      out.put(e.getKey(), e.getValue().rows(lead, lead + n));
    }
    return out;
  }

  /** Rows {@code [row0, row0 + n)} and columns {@code [col0, col0 + cols)} of a matrix. */
  private static FloatTensor block(FloatTensor t, int row0, int n, int col0, int cols) {
    if (t.rank() != 2 || t.dim(0) < row0 + n || t.dim(1) < col0 + cols) {
      throw new InferenceFailedException(
          "LOG_WEIGHTS graph returned shape " + Arrays.toString(t.shape()));
    }
    int width = (int) t.dim(1);
    if (row0 == 0 && col0 == 0 && t.dim(0) == n && width == cols) {
      return t;
    }
    float[] data = new float[n * cols];
    for (int i = 0; i < n; i++) {
      System.arraycopy(t.data(), (row0 + i) * width + col0, data, i * cols, cols);
    }
    return FloatTensor.of(data, n, cols);
  }

  private void checkCondition(FloatTensor condition, int rows, String rowsOf) {
    InputChecks.condition(condition, architecture.conditionDim(), id, rows, rowsOf);
  }

  /** The condition, placed like its rows with {@code lead} padding rows, when there is one. */
  private static void putCondition(
      Map<String, FloatTensor> inputs, FloatTensor condition, int lead) {
    if (condition != null) {
      inputs.put(GraphNames.CONDITION, padFront(condition, lead));
    }
  }

  private int checkX(FloatTensor x) {
    return InputChecks.matrix(
        "x", x, architecture.inputDim(), "features", id, limits.maxRowsPerRequest());
  }

  private static FloatTensor output(Map<String, FloatTensor> outputs, GraphRole role, String name) {
    FloatTensor t = outputs.get(name);
    if (t == null) {
      throw new InferenceFailedException(role + " graph returned no output " + name);
    }
    return t;
  }
}
