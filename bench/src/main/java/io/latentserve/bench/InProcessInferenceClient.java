package io.latentserve.bench;

import io.latentserve.evaluator.core.Decoding;
import io.latentserve.evaluator.core.Encoding;
import io.latentserve.evaluator.core.ImportanceWeights;
import io.latentserve.evaluator.core.InferenceClient;
import io.latentserve.evaluator.core.InferenceException;
import io.latentserve.evaluator.core.LatentLayerInfo;
import io.latentserve.evaluator.core.LayerLogDensity;
import io.latentserve.evaluator.core.LogDensities;
import io.latentserve.evaluator.core.ModelDescription;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.PriorSamples;
import io.latentserve.inference.core.DecodeResult;
import io.latentserve.inference.core.LogProbResult;
import io.latentserve.inference.core.LogWeightsChunk;
import io.latentserve.inference.core.SampleRange;
import io.latentserve.inference.core.SampleResult;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.VaeArchitecture;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The evaluator's {@link InferenceClient} calling a {@link VaeModel} in this process: the same
 * chunked ImportanceWeights plan and the same results as the gRPC service, without processes,
 * sockets or serialization. The baseline of {@link EvaluationBenchmarks}.
 *
 * <p>Unconditional models only: it describes every model with condition size 0, and a call with a
 * condition fails with {@link InferenceException.Reason#INTERNAL}.
 */
final class InProcessInferenceClient implements InferenceClient {
  private final VaeModel model;
  private final ModelDescription description;

  /** A client of {@code model}; the model stays owned by the caller. */
  InProcessInferenceClient(VaeModel model) {
    this.model = Objects.requireNonNull(model, "model");
    VaeArchitecture a = model.architecture();
    this.description =
        new ModelDescription(
            model.id().name(),
            model.id().version(),
            List.of((long) a.inputDim()),
            a.likelihood(),
            a.likelihoodSigma(),
            a.layers().stream()
                .map(l -> new LatentLayerInfo(l.name(), l.latentDim(), l.family()))
                .toList(),
            model.device(),
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
            null,
            a.inference());
  }

  @Override
  public ModelDescription describe(ModelKey key) {
    return description;
  }

  @Override
  public ImportanceWeights importanceWeights(
      ModelKey key,
      FloatTensor x,
      FloatTensor condition,
      long firstRow,
      int k,
      long seed,
      boolean includeComponents) {
    requireNoCondition(condition);
    int n = (int) x.dim(0);
    float[] logW = new float[n * k];
    float[][] components = includeComponents ? new float[3][n * k] : null;
    for (SampleRange range : model.planImportanceWeights(n, k, 0)) {
      LogWeightsChunk chunk =
          model.importanceWeights(
              x, range.offset(), range.count(), seed, firstRow, includeComponents);
      place(chunk.logWeights(), logW, n, k, range);
      if (includeComponents) {
        LogWeightsChunk.Components c = chunk.components().orElseThrow();
        place(c.logPxGivenZ(), components[0], n, k, range);
        place(c.logPz(), components[1], n, k, range);
        place(c.logQzGivenX(), components[2], n, k, range);
      }
    }
    FloatTensor w = FloatTensor.of(logW, n, k);
    if (!includeComponents) {
      return ImportanceWeights.of(w);
    }
    return new ImportanceWeights(
        w,
        Optional.of(FloatTensor.of(components[0], n, k)),
        Optional.of(FloatTensor.of(components[1], n, k)),
        Optional.of(FloatTensor.of(components[2], n, k)));
  }

  /** Copies a chunk [n, count] into columns [offset, offset + count) of [n, k]. */
  private static void place(FloatTensor chunk, float[] dst, int n, int k, SampleRange range) {
    float[] src = chunk.data();
    for (int i = 0; i < n; i++) {
      System.arraycopy(src, i * range.count(), dst, i * k + range.offset(), range.count());
    }
  }

  @Override
  public Encoding encode(
      ModelKey key,
      FloatTensor x,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow) {
    requireNoCondition(condition);
    return new Encoding(model.encode(x, sample, seed, firstRow).layers());
  }

  @Override
  public Decoding decode(
      ModelKey key,
      FloatTensor zTop,
      FloatTensor condition,
      boolean sample,
      long seed,
      long firstRow) {
    requireNoCondition(condition);
    DecodeResult r = model.decode(zTop, sample, seed, firstRow);
    return new Decoding(r.xMean(), r.xSample(), r.intermediateLayers());
  }

  @Override
  public PriorSamples sample(
      ModelKey key, int n, FloatTensor condition, long seed, boolean sampleX) {
    requireNoCondition(condition);
    SampleResult r = model.sample(n, seed, sampleX);
    return new PriorSamples(r.prior(), r.decoded().xMean(), r.decoded().xSample());
  }

  @Override
  public LogDensities logProb(
      ModelKey key, FloatTensor x, FloatTensor condition, List<FloatTensor> z) {
    requireNoCondition(condition);
    LogProbResult r = model.logProb(x, z);
    return new LogDensities(
        r.logPxGivenZ(),
        r.logPz(),
        r.logQzGivenX(),
        r.layers().stream()
            .map(l -> new LayerLogDensity(l.layer(), l.logPrior(), l.logPosterior()))
            .toList());
  }

  private static void requireNoCondition(FloatTensor condition) {
    if (condition != null) {
      throw new InferenceException(
          InferenceException.Reason.INTERNAL,
          "",
          "this inference client cannot send a condition to a conditional model");
    }
  }

  @Override
  public void close() {
    // the model belongs to the caller
  }
}
