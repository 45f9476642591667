package io.latentserve.inference.grpc;

import io.grpc.Context;
import io.grpc.Status;
import io.latentserve.inference.core.LayerLogProb;
import io.latentserve.inference.core.LimitExceededException;
import io.latentserve.inference.core.LogWeightsChunk;
import io.latentserve.inference.core.SampleRange;
import io.latentserve.inference.core.VaeModel;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LayerDistribution;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The operations of a served VAE as Open Inference Protocol models: {@code <model>.encode}, {@code
 * .decode}, {@code .log_prob} and {@code .importance_weights}. Each describes its inputs and
 * outputs from the model's architecture (what ModelMetadata reports) and runs through the same
 * {@link VaeModel} methods as latentserve.v1's Encode, Decode, LogProb and ImportanceWeights, so
 * batching, limits and seeded noise are theirs.
 */
enum KServeGraph {
  ENCODE("encode", "Encode", Set.of("seed", "sample", "first_row")) {
    @Override
    List<Spec> inputs(VaeArchitecture a) {
      return withCondition(a, List.of(new Spec("x", a.inputDim())));
    }

    @Override
    List<Spec> outputs(VaeArchitecture a) {
      List<Spec> specs = new ArrayList<>();
      for (StochasticLayer layer : a.layers()) {
        for (String param : layer.family().parameterNames()) {
          specs.add(new Spec(layer.name() + "_" + param, layer.latentDim()));
        }
        specs.add(new Spec(layer.name() + "_sample", layer.latentDim()));
      }
      return specs;
    }

    @Override
    CompletableFuture<Result> run(VaeModel model, Request r) {
      FloatTensor x = r.inputs().required("x", "[N, " + model.architecture().inputDim() + "]");
      return model
          .encodeAsync(
              x,
              r.inputs().condition(),
              r.parameters().bool("sample", false),
              r.parameters().int64("seed", 0),
              r.parameters().int64("first_row", 0))
          .thenApply(
              result -> {
                List<Output> outputs = new ArrayList<>();
                for (LayerDistribution layer : result.layers()) {
                  List<String> names = layer.family().parameterNames();
                  for (int p = 0; p < names.size(); p++) {
                    outputs.add(
                        new Output(layer.layer() + "_" + names.get(p), layer.parameters().get(p)));
                  }
                  layer
                      .sample()
                      .ifPresent(s -> outputs.add(new Output(layer.layer() + "_sample", s)));
                }
                return new Result(outputs, rows(x));
              });
    }
  },

  DECODE("decode", "Decode", Set.of("seed", "sample", "first_row")) {
    @Override
    List<Spec> inputs(VaeArchitecture a) {
      return withCondition(a, List.of(new Spec("z", a.top().latentDim())));
    }

    @Override
    List<Spec> outputs(VaeArchitecture a) {
      List<Spec> specs = new ArrayList<>(List.of(new Spec("x_mean", a.inputDim())));
      if (a.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED) {
        specs.add(new Spec("x_log_variance", a.inputDim()));
      }
      specs.add(new Spec("x_sample", a.inputDim()));
      return specs;
    }

    @Override
    CompletableFuture<Result> run(VaeModel model, Request r) {
      FloatTensor z =
          r.inputs().required("z", "[N, " + model.architecture().top().latentDim() + "]");
      var result =
          model.decode(
              z,
              r.inputs().condition(),
              r.parameters().bool("sample", false),
              r.parameters().int64("seed", 0),
              r.parameters().int64("first_row", 0));
      List<Output> outputs = new ArrayList<>(List.of(new Output("x_mean", result.xMean())));
      result.xLogVariance().ifPresent(v -> outputs.add(new Output("x_log_variance", v)));
      result.xSample().ifPresent(s -> outputs.add(new Output("x_sample", s)));
      return CompletableFuture.completedFuture(new Result(outputs, rows(z)));
    }
  },

  LOG_PROB("log_prob", "LogProb", Set.of()) {
    @Override
    List<Spec> inputs(VaeArchitecture a) {
      List<Spec> specs = new ArrayList<>(List.of(new Spec("x", a.inputDim())));
      a.layers().forEach(l -> specs.add(new Spec(l.name(), l.latentDim())));
      return withCondition(a, specs);
    }

    @Override
    List<Spec> outputs(VaeArchitecture a) {
      List<Spec> specs =
          new ArrayList<>(
              List.of(new Spec("log_px_given_z"), new Spec("log_pz"), new Spec("log_qz_given_x")));
      for (StochasticLayer layer : a.layers()) {
        specs.add(new Spec(layer.name() + "_log_prior"));
        specs.add(new Spec(layer.name() + "_log_posterior"));
      }
      return specs;
    }

    @Override
    CompletableFuture<Result> run(VaeModel model, Request r) {
      VaeArchitecture a = model.architecture();
      FloatTensor x = r.inputs().required("x", "[N, " + a.inputDim() + "]");
      List<FloatTensor> z = new ArrayList<>();
      for (StochasticLayer layer : a.layers()) {
        z.add(r.inputs().required(layer.name(), "[N, " + layer.latentDim() + "]"));
      }
      return model
          .logProbAsync(x, r.inputs().condition(), z)
          .thenApply(
              result -> {
                List<Output> outputs =
                    new ArrayList<>(
                        List.of(
                            new Output("log_px_given_z", result.logPxGivenZ()),
                            new Output("log_pz", result.logPz()),
                            new Output("log_qz_given_x", result.logQzGivenX())));
                for (LayerLogProb layer : result.layers()) {
                  outputs.add(new Output(layer.layer() + "_log_prior", layer.logPrior()));
                  outputs.add(new Output(layer.layer() + "_log_posterior", layer.logPosterior()));
                }
                return new Result(outputs, rows(x));
              });
    }
  },

  IMPORTANCE_WEIGHTS("importance_weights", "ImportanceWeights", Set.of("k", "seed", "first_row")) {
    @Override
    List<Spec> inputs(VaeArchitecture a) {
      return withCondition(a, List.of(new Spec("x", a.inputDim())));
    }

    @Override
    List<Spec> outputs(VaeArchitecture a) {
      return List.of(new Spec("log_weights", -1));
    }

    @Override
    CompletableFuture<Result> run(VaeModel model, Request r) {
      FloatTensor x = r.inputs().required("x", "[N, " + model.architecture().inputDim() + "]");
      long k = r.parameters().requiredInt64("k", "importance samples per row, >= 1");
      int rows = (int) rows(x);
      int maxK = model.limits().maxSamples();
      if (k > maxK) {
        throw new LimitExceededException("k", maxK, k, "k is " + k + ", the limit is " + maxK);
      }
      int kk = (int) Math.max(k, Integer.MIN_VALUE);
      List<SampleRange> plan = model.planImportanceWeights(rows, kk, 0);
      if ((long) rows * kk > r.maxOutputValues()) {
        throw new LimitExceededException(
            "k",
            r.maxOutputValues(),
            (long) rows * kk,
            "x has "
                + rows
                + " rows and k is "
                + kk
                + ": "
                + (long) rows * kk
                + " log weights in one response, the limit is "
                + r.maxOutputValues()
                + "; latentserve.v1 ImportanceWeights streams them in chunks");
      }
      FloatTensor condition = r.inputs().condition();
      long seed = r.parameters().int64("seed", 0);
      long firstRow = r.parameters().int64("first_row", 0);
      float[] logWeights = new float[rows * kk];
      for (SampleRange range : plan) {
        if (Context.current().isCancelled()) {
          throw Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException();
        }
        LogWeightsChunk chunk =
            model.importanceWeights(
                x, condition, range.offset(), range.count(), seed, firstRow, false);
        float[] part = chunk.logWeights().data();
        for (int i = 0; i < rows; i++) {
          System.arraycopy(
              part, i * range.count(), logWeights, i * kk + range.offset(), range.count());
        }
      }
      return CompletableFuture.completedFuture(
          new Result(
              List.of(new Output("log_weights", FloatTensor.of(logWeights, rows, kk))), rows));
    }
  };

  private final String suffix;
  private final String method;
  private final Set<String> parameters;

  KServeGraph(String suffix, String method, Set<String> parameters) {
    this.suffix = suffix;
    this.method = method;
    this.parameters = parameters;
  }

  /** The name suffix, e.g. {@code log_prob}. */
  String suffix() {
    return suffix;
  }

  /** The latentserve.v1 method it shares metrics with, e.g. {@code LogProb}. */
  String method() {
    return method;
  }

  /** The request parameters it takes. */
  Set<String> parameters() {
    return parameters;
  }

  /** The graph with this suffix, or null. */
  static KServeGraph bySuffix(String suffix) {
    for (KServeGraph g : values()) {
      if (g.suffix.equals(suffix)) {
        return g;
      }
    }
    return null;
  }

  /** Inputs, in order; all float32 (FP64 and UINT8 accepted as in latentserve.v1). */
  abstract List<Spec> inputs(VaeArchitecture a);

  /** Every output it can return, float32. */
  abstract List<Spec> outputs(VaeArchitecture a);

  /** Runs the request; invalid input throws at once, a failed run completes exceptionally. */
  abstract CompletableFuture<Result> run(VaeModel model, Request request);

  private static List<Spec> withCondition(VaeArchitecture a, List<Spec> specs) {
    if (!a.conditional()) {
      return specs;
    }
    List<Spec> all = new ArrayList<>(specs);
    all.add(new Spec("condition", a.conditionDim()));
    return all;
  }

  private static long rows(FloatTensor t) {
    return t.rank() == 0 ? 1 : t.dim(0);
  }

  /**
   * An input or output: name and shape, -1 for a variable dimension; one column dimension, or none
   * for a per-row value.
   */
  record Spec(String name, long[] shape) {
    Spec(String name, long columns) {
      this(name, new long[] {-1, columns});
    }

    Spec(String name) {
      this(name, new long[] {-1});
    }
  }

  /** What a run reads. */
  record Request(KServeInputs inputs, KServeParameters parameters, long maxOutputValues) {}

  /** An output tensor. */
  record Output(String name, FloatTensor tensor) {}

  /** A run's outputs and its rows (for metrics). */
  record Result(List<Output> outputs, long rows) {}
}
