package io.latentserve.evaluator.core;

import io.latentserve.model.CounterNoise;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.LayerDistribution;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.Prior;
import io.latentserve.model.Seeds;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs an evaluation: calls the inference service through an {@link InferenceClient} in row ranges,
 * several in flight at once, and feeds the estimators.
 *
 * <p>Every row range is sent with {@code firstRow} set to its index in the evaluation set, and
 * every result is stored by example index and reduced in index order, so the report is identical
 * (bit for bit) however the rows are split into calls, however many calls are in flight and on
 * whichever replicas they run.
 *
 * <p>Phases, in order, each run only when a requested metric needs it: {@value #PHASE_MODEL},
 * {@value #PHASE_WEIGHTS} (IW-LL, ELBO), {@value #PHASE_POSTERIOR} (Encode and LogProb for rates,
 * active units, MI and MMD), {@value #PHASE_MUTUAL_INFORMATION}, {@value #PHASE_MMD}, {@value
 * #PHASE_PREVIEWS}.
 *
 * <p>A conditional model (a CVAE) is evaluated given each example's condition y: the one-hot label
 * of a catalogued dataset (its class count must equal the model's condition size), or the request's
 * inline condition. Every call then carries y's rows with x's, so the IW-LL is of log p(x|y), the
 * ELBO bounds it, rates are KL(q(z|x, y) || p(z|y)), the MMD's prior draws come from p(z|y_i) of
 * the same examples, and the prior previews show one row of draws per class.
 *
 * <p>Every latent family is evaluated alike, through {@link LatentFamily}: the top layer's rate is
 * the analytic {@link LatentFamily#klDivergence} of q(z_L|z_{L-1}) from the prior's parameters (the
 * family's standard parameters for N(0, I); otherwise those Sample returns: p(z|y_i) of each
 * example, or the learned constants), averaged over posterior draws of the layers below. A lower
 * layer's rate stays the Monte Carlo E_q[log q(z_l|z_{l-1}) - log p(z_l|z_{l+1})] from LogProb at
 * the same draws: z_{l+1} is drawn from z_l, so the KL against p(z_l|z_{l+1}) at a drawn z_{l+1}
 * would not be that layer's share of the total rate. Active units use {@link
 * LatentFamily#expectation}, the mutual information {@link LatentFamily#logDensity}.
 *
 * <p>A model with an RBM prior ({@link io.latentserve.model.Prior#RBM}, the DVAE family) has no
 * closed-form KL against its prior: every layer's rate is then the Monte Carlo E_q[log q(z_l|.) -
 * log p_l] over {@link EvaluatorOptions#rateSamples()} posterior draws, with LogProb's per-layer
 * terms, where the top layer's log p holds the whole log p(z) = -E(z) - log Z (the estimate the
 * bundle carries) and the layers below hold 0: the rates sum to the total KL(q(z|x) || p(z)), and
 * each inherits log Z's error (the top layer's in full). Its IW-LL is of the discrete model, with k
 * = 4000 when the request leaves k at 0 ({@link #RBM_DEFAULT_K}; 5000 for other models).
 */
public final class Evaluator {
  // Purposes of Seeds.derive; the numbers are fixed: a new one changes every evaluation's draws.
  private static final long RATES_SEEDS = 2;
  private static final long MMD_SEEDS = 3;
  private static final long PREVIEW_SEEDS = 4;
  private static final long KDE_SEEDS = 5;

  public static final String PHASE_MODEL = "model";
  public static final String PHASE_WEIGHTS = "importance-weights";
  public static final String PHASE_POSTERIOR = "posterior-statistics";
  public static final String PHASE_MUTUAL_INFORMATION = "mutual-information";
  public static final String PHASE_MMD = "mmd";
  public static final String PHASE_KDE = "kde-mutual-information";
  public static final String PHASE_LABELS = "label-information";
  public static final String PHASE_PREVIEWS = "previews";

  private static final long CANCEL_POLL_MILLIS = 50;

  private final InferenceClient client;
  private final DatasetSource datasets;
  private final EvaluatorOptions options;
  private final Clock clock;
  private final LinearProbe probe;

  /**
   * @param client the inference service
   * @param datasets where catalogued evaluation data comes from
   * @param options limits and sizes
   * @param clock stamps the report
   * @param probe trains the linear probes of {@link Metric#LINEAR_PROBES}
   */
  public Evaluator(
      InferenceClient client,
      DatasetSource datasets,
      EvaluatorOptions options,
      Clock clock,
      LinearProbe probe) {
    this.client = Objects.requireNonNull(client, "client");
    this.datasets = Objects.requireNonNull(datasets, "datasets");
    this.options = Objects.requireNonNull(options, "options");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.probe = Objects.requireNonNull(probe, "probe");
  }

  /** An evaluator without linear probes. */
  public Evaluator(
      InferenceClient client, DatasetSource datasets, EvaluatorOptions options, Clock clock) {
    this(client, datasets, options, clock, LinearProbe.unavailable());
  }

  /** An evaluator of inline data only. */
  public Evaluator(InferenceClient client, EvaluatorOptions options) {
    this(client, DatasetSource.none(), options, Clock.systemUTC());
  }

  public EvaluatorOptions options() {
    return options;
  }

  /**
   * Importance samples per example for a model with an RBM prior when the request leaves k at 0:
   * the DVAE# paper's test protocol (Vahdat et al. 2018), capped at the server's limit.
   */
  public static final int RBM_DEFAULT_K = 4000;

  /** Importance samples per example for other models when the request leaves k at 0 (IWAE). */
  public static final int DEFAULT_K = 5000;

  /**
   * The k an evaluation of {@code model} runs: the request's, or for k = 0 the model's default,
   * {@link #RBM_DEFAULT_K} for an rbm-prior model and {@link #DEFAULT_K} (the IWAE paper's) for
   * others, at most the server's limit.
   */
  int resolveK(EvaluationRequest request, ModelDescription model) {
    if (request.k() != 0) {
      return request.k();
    }
    return Math.min(model.prior().spansAllLayers() ? RBM_DEFAULT_K : DEFAULT_K, options.maxK());
  }

  /**
   * Checks what can be checked without the model: k, the data's shape and values, the MI batch.
   *
   * @throws InvalidEvaluationException naming the field, the expected and the actual value
   */
  public void validate(EvaluationRequest request) {
    // k = 0 asks for the model's default, known once the model is described (resolveK).
    if (request.k() < 0 || request.k() > options.maxK()) {
      throw new InvalidEvaluationException(
          "k must be in [1, "
              + options.maxK()
              + "] (0 for the model's default), got "
              + request.k());
    }
    if (request.data() != null) {
      validateData(request.data());
    }
    if (request.condition() != null) {
      validateCondition(request.condition(), request.data().dim(0));
    }
  }

  private static void validateCondition(FloatTensor condition, long rows) {
    if (condition.rank() != 2 || condition.dim(0) != rows || condition.dim(1) < 1) {
      throw new InvalidEvaluationException(
          "inline_condition must be [N, C] with N = "
              + rows
              + " (the rows of inline_data) and C >= 1, got "
              + java.util.Arrays.toString(condition.shape()));
    }
    float[] values = condition.data();
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new InvalidEvaluationException(
            "inline_condition must be finite, row "
                + i / condition.rowSize()
                + " column "
                + i % condition.rowSize()
                + " is "
                + values[i]);
      }
    }
  }

  private static void validateData(FloatTensor data) {
    if (data.rank() != 2) {
      throw new InvalidEvaluationException(
          "data must be [N, D], got " + data.rank() + " dimensions");
    }
    if (data.dim(0) < 1 || data.dim(1) < 1) {
      throw new InvalidEvaluationException(
          "data must have at least one example and one feature, got " + data);
    }
    float[] values = data.data();
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        int row = i / data.rowSize();
        throw new InvalidEvaluationException(
            "data must be finite, row "
                + row
                + " feature "
                + (i % data.rowSize())
                + " is "
                + values[i]);
      }
    }
  }

  /**
   * Runs the evaluation on the caller's thread, with inference calls on {@code executor}.
   *
   * @param evaluationId the identifier to put in the report
   * @param executor runs the inference calls; at most {@link EvaluatorOptions#parallelCalls()} at
   *     once
   * @param listener receives progress on the caller's thread
   * @param cancelled polled between calls; when true, outstanding calls are cancelled and {@link
   *     EvaluationCancelledException} is thrown
   * @throws InvalidEvaluationException for a request that cannot run
   * @throws InferenceException when an inference call fails
   */
  public EvaluationOutcome evaluate(
      String evaluationId,
      EvaluationRequest request,
      Executor executor,
      ProgressListener listener,
      BooleanSupplier cancelled) {
    validate(request);
    return new Run(evaluationId, request, executor, listener, cancelled).run();
  }

  /** One evaluation's state. */
  private final class Run {
    private final String id;
    private final EvaluationRequest request;
    private final Executor executor;
    private final ProgressListener listener;
    private final BooleanSupplier cancelled;
    private final long startNanos = System.nanoTime();
    private final Map<String, Duration> phaseTimes = new LinkedHashMap<>();
    private FloatTensor data;
    private FloatTensor condition;
    private String conditionDescription = "";
    private int[] labels;
    private int classes;
    private int n;
    private int k;
    private ModelKey key;

    Run(
        String id,
        EvaluationRequest request,
        Executor executor,
        ProgressListener listener,
        BooleanSupplier cancelled) {
      this.id = Objects.requireNonNull(id, "id");
      this.request = request;
      this.executor = Objects.requireNonNull(executor, "executor");
      this.listener = Objects.requireNonNull(listener, "listener");
      this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
    }

    EvaluationOutcome run() {
      long phaseStart = System.nanoTime();
      progress(PHASE_MODEL, 0, 1, 0);
      ModelDescription model = client.describe(request.model());
      key = model.key();
      k = resolveK(request, model);
      checkCancelled();
      data = request.data();
      boolean binarize = model.likelihood() == LikelihoodFamily.BERNOULLI;
      if (model.conditional()) {
        loadConditional(model, binarize);
      } else {
        if (request.condition() != null) {
          throw new InvalidEvaluationException(
              "inline_condition is present, but model "
                  + model.id()
                  + " is unconditional (condition_dim 0): leave it unset");
        }
        if (data == null && wantsLabels()) {
          LabelledExamples labelled = datasets.loadLabelled(request.dataset(), binarize);
          data = labelled.examples();
          labels = labelled.labels();
          classes = labelled.classes();
        } else if (data == null) {
          data = datasets.load(request.dataset(), binarize);
        }
      }
      if (wantsLabels() && labels == null) {
        inlineLabels();
      }
      if (request.data() == null) {
        validateData(data);
      }
      n = (int) data.dim(0);
      int d = data.rowSize();
      if (d != model.inputDim()) {
        throw new InvalidEvaluationException(
            "data has " + d + " features, model " + model.id() + " expects " + model.inputDim());
      }
      checkSizes(model);
      if (request.wants(Metric.KDE_MUTUAL_INFORMATION)) {
        checkKdeLayer(model);
      }
      phaseTimes.put(PHASE_MODEL, since(phaseStart));
      progress(PHASE_MODEL, 1, 1, 0);
      checkCancelled();

      ImportanceWeightedEstimator iw = null;
      boolean consistency = request.wants(Metric.CONSISTENCY);
      if (request.wants(Metric.IWLL) || request.wants(Metric.ELBO) || consistency) {
        iw = importanceWeights();
      }
      Posterior posterior = null;
      boolean needPosterior =
          request.wants(Metric.RATES)
              || request.wants(Metric.ACTIVE_UNITS)
              || request.wants(Metric.MUTUAL_INFORMATION)
              || request.wants(Metric.MMD)
              || request.wants(Metric.KDE_MUTUAL_INFORMATION)
              || wantsLabels();
      if (needPosterior) {
        posterior = posterior(model);
      }
      List<MutualInformationReport> layerMi = null;
      MutualInformationReport mi = null;
      if (request.wants(Metric.MUTUAL_INFORMATION)) {
        layerMi = mutualInformation(posterior);
        // The exact layer's: I(x; z_1, ..., z_L) of a bottom-up chain, I(x; z_top) of a top-down
        // model.
        mi = layerMi.get(model.exactLayer());
      }
      double mmd = Double.NaN;
      int mmdSamples = 0;
      if (request.wants(Metric.MMD)) {
        mmdSamples = Math.max(2, Math.min(n, options.mmdSamples()));
        mmd = mmd(model, posterior, mmdSamples);
        if (n < 2) {
          mmd = Double.NaN;
          mmdSamples = 0;
        }
      }
      Kde kde = null;
      if (request.wants(Metric.KDE_MUTUAL_INFORMATION)) {
        kde = kdeMutualInformation(model, posterior, binarize);
      }
      List<LayerLabelReport> layerLabels = wantsLabels() ? labelMetrics(model, posterior) : null;
      Previews previews = previews(model);

      List<LayerReport> layers = new ArrayList<>();
      for (int l = 0; l < model.layers().size(); l++) {
        LatentLayerInfo info = model.layers().get(l);
        Estimate rate = request.wants(Metric.RATES) ? Estimate.ofSamples(posterior.rates[l]) : null;
        double[] activity = null;
        int active = -1;
        if (request.wants(Metric.ACTIVE_UNITS)) {
          activity = ActiveUnits.activity(FloatTensor.of(posterior.means[l], n, info.dim()));
          active = ActiveUnits.count(activity);
        }
        layers.add(
            new LayerReport(
                info.name(),
                info.dim(),
                rate,
                active,
                activity,
                model.exactPosterior(l) || activity == null ? 0 : posterior.meanDraws,
                layerMi == null ? null : layerMi.get(l),
                layerLabels == null ? null : layerLabels.get(l)));
      }
      Duration wall = since(startNanos);
      boolean iwll = request.wants(Metric.IWLL);
      boolean elbo = request.wants(Metric.ELBO);
      EvaluationReport report =
          new EvaluationReport(
              id,
              model,
              request.label(),
              request.dataDescription(),
              n,
              k,
              request.seed(),
              request.metrics().stream().sorted().toList(),
              iwll ? iw.logLikelihood() : null,
              iwll ? iw.curve() : List.of(),
              iwll ? iw.meanEffectiveSampleSize() : 0,
              iwll ? iw.effectiveSampleSizes() : new double[0],
              elbo ? iw.elbo() : null,
              elbo ? iw.distortion() : null,
              elbo ? iw.rate() : null,
              layers,
              mi,
              mmd,
              mmdSamples,
              phaseTimes,
              wall,
              n / Math.max(1e-9, wall.toNanos() / 1e9),
              clock.instant(),
              conditionDescription,
              new InformationReport(
                  kde == null ? null : kde.estimate(),
                  kde == null ? 0 : kde.fitExamples(),
                  kde == null ? "" : kde.fitData(),
                  kde == null ? Double.NaN : kde.factor(),
                  consistency ? negate(iw.elbo()) : null,
                  wantsLabels() ? classes : 0,
                  wantsLabels()
                      ? MutualInformationEstimator.labelEntropy(labels, classes)
                      : Double.NaN));
      return new EvaluationOutcome(report, previews);
    }

    /**
     * Checks, in 64 bits, every product of the evaluation's sizes that becomes an array: a model
     * with wide layers and a long data set must fail as INVALID_ARGUMENT naming the sizes, not as
     * an int overflow deep in the run.
     */
    private void checkSizes(ModelDescription model) {
      for (LatentLayerInfo layer : model.layers()) {
        ShapeProducts.arraySize("examples * latent units of layer " + layer.name(), n, layer.dim());
      }
      ShapeProducts.arraySize("examples * features", n, model.inputDim());
      if (model.conditional()) {
        ShapeProducts.arraySize("examples * condition_dim", n, model.conditionDim());
      }
    }

    /** The data and each example's condition y for a conditional model. */
    private void loadConditional(ModelDescription model, boolean binarize) {
      int c = model.conditionDim();
      if (data != null) {
        FloatTensor inline = request.condition();
        if (inline == null) {
          throw new InvalidEvaluationException(
              "inline_condition is missing: model "
                  + model.id()
                  + " is conditional (condition_dim "
                  + c
                  + ") and needs the condition of every inline example, ["
                  + data.dim(0)
                  + ", "
                  + c
                  + "]");
        }
        if (inline.dim(1) != c) {
          throw new InvalidEvaluationException(
              "inline_condition has "
                  + inline.dim(1)
                  + " columns, model "
                  + model.id()
                  + " expects "
                  + c
                  + " (its condition_dim)");
        }
        condition = inline;
        conditionDescription = "inline condition [" + data.dim(0) + ", " + c + "]";
        return;
      }
      LabelledExamples labelled = datasets.loadLabelled(request.dataset(), binarize);
      if (labelled.classes() != c) {
        throw new InvalidEvaluationException(
            "model "
                + model.id()
                + " is conditioned on "
                + c
                + " values, dataset "
                + request.dataset().name()
                + " has "
                + labelled.classes()
                + " classes: its one-hot labels do not fit");
      }
      data = labelled.examples();
      labels = labelled.labels();
      classes = labelled.classes();
      condition = labelled.oneHot();
      conditionDescription =
          "one-hot labels of " + request.dataset() + " (" + labelled.classes() + " classes)";
    }

    private boolean wantsLabels() {
      return request.wants(Metric.LABEL_INFORMATION) || request.wants(Metric.LINEAR_PROBES);
    }

    /** The request's inline labels, which the label metrics need when the data is inline. */
    private void inlineLabels() {
      InformationRequest info = request.information();
      if (info.inlineLabels() == null) {
        throw new InvalidEvaluationException(
            "inline_labels is missing: METRIC_LABEL_INFORMATION and METRIC_LINEAR_PROBES need the"
                + " label of each of the "
                + data.dim(0)
                + " inline examples");
      }
      labels = info.inlineLabels();
      classes = Math.max(2, info.inlineClasses());
    }

    /**
     * Per layer: I(z_l; label) by HIT's class-wise aggregate estimator (a layer conditioned on x
     * alone at its exact posterior: layer 1 of a bottom-up chain, the top of a top-down model; any
     * other layer at the mixture over the same draws as I(x; z_l)), the linear probe's held-out
     * accuracy on E_q[z_l|x], and Fano's ceiling from the two.
     */
    private List<LayerLabelReport> labelMetrics(ModelDescription model, Posterior p) {
      long phaseStart = System.nanoTime();
      int layerCount = model.layers().size();
      progress(PHASE_LABELS, 0, layerCount, 0);
      boolean information = request.wants(Metric.LABEL_INFORMATION);
      boolean probes = request.wants(Metric.LINEAR_PROBES);
      ProbeSplit split = probes ? ProbeSplit.of(n) : null;
      double entropy = MutualInformationEstimator.labelEntropy(labels, classes);
      List<LayerLabelReport> out = new ArrayList<>();
      for (int l = 0; l < layerCount; l++) {
        checkCancelled();
        Estimate info =
            information
                ? MutualInformationEstimator.labelAggregate(p.draws(l), labels, classes)
                : null;
        double accuracy = Double.NaN;
        int tested = 0;
        if (probes) {
          FloatTensor means = FloatTensor.of(p.means[l], n, model.layers().get(l).dim());
          accuracy =
              probe.accuracy(
                  ProbeSplit.rows(means, split.train()),
                  ProbeSplit.labels(labels, split.train()),
                  ProbeSplit.rows(means, split.test()),
                  ProbeSplit.labels(labels, split.test()),
                  classes);
          tested = split.test().length;
        }
        double fano =
            information && probes
                ? FanoBound.accuracyCeiling(info.value(), entropy, classes)
                : Double.NaN;
        out.add(new LayerLabelReport(info, accuracy, tested, fano));
        progress(PHASE_LABELS, l + 1, layerCount, System.nanoTime() - phaseStart);
      }
      phaseTimes.put(PHASE_LABELS, since(phaseStart));
      return out;
    }

    /** Rows {@code [from, from + m)} of the condition, or null for an unconditional model. */
    private FloatTensor conditionRows(int from, int m) {
      return condition == null ? null : condition.rows(from, from + m);
    }

    private ImportanceWeightedEstimator importanceWeights() {
      long phaseStart = System.nanoTime();
      int rows = Math.max(1, Math.min(options.maxRowsPerCall(), options.maxWeightsPerCall() / k));
      boolean components = request.wants(Metric.ELBO) || request.wants(Metric.CONSISTENCY);
      ImportanceWeightedEstimator estimator = new ImportanceWeightedEstimator(n, k);
      forEachRange(
          PHASE_WEIGHTS,
          rows,
          (from, x) ->
              client.importanceWeights(
                  key, x, conditionRows(from, (int) x.dim(0)), from, k, request.seed(), components),
          estimator::add);
      phaseTimes.put(PHASE_WEIGHTS, since(phaseStart));
      return estimator;
    }

    private Posterior posterior(ModelDescription model) {
      long phaseStart = System.nanoTime();
      boolean rates = request.wants(Metric.RATES);
      boolean means = request.wants(Metric.ACTIVE_UNITS) || request.wants(Metric.LINEAR_PROBES);
      boolean mi =
          request.wants(Metric.MUTUAL_INFORMATION) || request.wants(Metric.LABEL_INFORMATION);
      int layerCount = model.layers().size();
      int top = layerCount - 1;
      LatentFamily topFamily = model.topLayer().family();
      // A one-layer model's rate is analytic for each example: one draw does. Above layer 1, the
      // rates, E_q[z_l|x] (active units) and q(z_l|x) (MI) are all averages over draws of the
      // layers below.
      boolean rbm = model.prior().spansAllLayers();
      int draws = (rates || means || mi) && (layerCount > 1 || rbm) ? options.rateSamples() : 1;
      Posterior p = new Posterior(model, n, means ? draws : 0, mi ? draws : 0);
      forEachRange(
          PHASE_POSTERIOR,
          options.maxRowsPerCall(),
          (from, x) -> {
            int m = (int) x.dim(0);
            FloatTensor y = conditionRows(from, m);
            Encoding meanEncoding =
                means ? client.encode(key, x, y, false, request.seed(), from) : null;
            List<Encoding> sampledDraws = new ArrayList<>();
            double[][] rateSums = new double[layerCount][m];
            LayerDistribution topPrior = rates && !rbm ? topPrior(model, m, y) : null;
            for (int s = 0; s < draws; s++) {
              long seed = Seeds.derive(request.seed(), RATES_SEEDS, s);
              Encoding sampled = client.encode(key, x, y, true, seed, from);
              sampledDraws.add(sampled);
              if (rates && !rbm) {
                LayerDistribution q = sampled.top();
                for (int r = 0; r < m; r++) {
                  rateSums[top][r] += topFamily.klDivergence(q.row(r), topPrior.row(r));
                }
              }
              if (rates && (layerCount > 1 || rbm)) {
                List<FloatTensor> z = new ArrayList<>();
                for (LayerDistribution layer : sampled.layers()) {
                  z.add(
                      layer
                          .sample()
                          .orElseThrow(
                              () ->
                                  new InferenceException(
                                      InferenceException.Reason.INTERNAL,
                                      "",
                                      "encode returned no sample for layer " + layer.layer())));
                }
                LogDensities densities = client.logProb(key, x, y, z);
                for (int l = 0; l < (rbm ? layerCount : top); l++) {
                  float[] q = densities.layers().get(l).logPosterior().data();
                  float[] prior = densities.layers().get(l).logPrior().data();
                  for (int r = 0; r < m; r++) {
                    rateSums[l][r] += (double) q[r] - prior[r];
                  }
                }
              }
            }
            return new PosteriorChunk(meanEncoding, sampledDraws, rateSums);
          },
          (from, chunk) -> p.add(from, chunk, draws));
      phaseTimes.put(PHASE_POSTERIOR, since(phaseStart));
      return p;
    }

    /**
     * The top layer's prior for rows {@code m} with condition rows {@code y}: the family's standard
     * parameters for a prior without weights, else the parameters Sample returns (they do not
     * depend on the seed).
     */
    private LayerDistribution topPrior(ModelDescription model, int m, FloatTensor y) {
      LatentLayerInfo top = model.topLayer();
      if (!model.prior().hasWeights()) {
        List<FloatTensor> parameters = new ArrayList<>();
        for (double[] values : top.family().standardParameters(top.dim())) {
          float[] data = new float[m * top.dim()];
          for (int r = 0; r < m; r++) {
            for (int c = 0; c < top.dim(); c++) {
              data[r * top.dim() + c] = (float) values[c];
            }
          }
          parameters.add(FloatTensor.of(data, m, top.dim()));
        }
        return new LayerDistribution(
            top.name(), top.family(), parameters, java.util.Optional.empty());
      }
      LayerDistribution prior = client.sample(key, m, y, request.seed(), false).prior();
      if (prior.family() != top.family() || prior.rows() != m || prior.dim() != top.dim()) {
        throw new InferenceException(
            InferenceException.Reason.INTERNAL,
            "",
            "inference returned a "
                + prior.family().name()
                + " prior ["
                + prior.rows()
                + ", "
                + prior.dim()
                + "] for layer "
                + top.name()
                + ", expected "
                + top.family().name()
                + " ["
                + m
                + ", "
                + top.dim()
                + "]");
      }
      return prior;
    }

    /**
     * I(x; z_l) of every layer. A layer whose posterior is exact (conditioned on x alone) by the
     * aggregate and minibatch estimators: layer 1 of a bottom-up chain, whose value is also I(x;
     * z_1, ..., z_L) of the Markov chain encoder, or the top layer z of a top-down model, a lower
     * bound of I(x; y, z) (which is at most R_y + R_z). Any other layer (the upper layers of a
     * chain, the lower layers of a top-down model) by the aggregate estimator over the mixture of
     * its conditionals at the posterior draws of the layers it reads (no minibatch estimate: NaN).
     */
    private List<MutualInformationReport> mutualInformation(Posterior p) {
      long phaseStart = System.nanoTime();
      progress(PHASE_MUTUAL_INFORMATION, 0, n, 0);
      int batch = request.miBatchSize();
      List<MutualInformationReport> layers = new ArrayList<>();
      for (int l = 0; l < p.parameters.length; l++) {
        checkCancelled();
        if (p.exact(l)) {
          LayerDistribution q = p.exactLayer(l);
          Estimate aggregate = MutualInformationEstimator.aggregate(q);
          checkCancelled();
          double minibatch = MutualInformationEstimator.minibatch(q, batch);
          layers.add(
              new MutualInformationReport(aggregate, Math.log(n), minibatch, Math.min(batch, n)));
        } else {
          layers.add(
              new MutualInformationReport(
                  MutualInformationEstimator.aggregateMixture(p.draws(l)),
                  Math.log(n),
                  Double.NaN,
                  Math.min(batch, n)));
        }
      }
      progress(PHASE_MUTUAL_INFORMATION, n, n, 0);
      phaseTimes.put(PHASE_MUTUAL_INFORMATION, since(phaseStart));
      return layers;
    }

    /**
     * The KDE estimator compares densities at an exact posterior: the {@link
     * ModelDescription#exactLayer exact layer} (layer 1 of a bottom-up chain, the top of a top-down
     * model) must be continuous.
     */
    private void checkKdeLayer(ModelDescription model) {
      LatentLayerInfo layer = model.layers().get(model.exactLayer());
      if (layer.family() != LatentFamily.GAUSSIAN) {
        throw new InvalidEvaluationException(
            "metrics has METRIC_KDE_MUTUAL_INFORMATION, but layer "
                + layer.name()
                + " of model "
                + model.id()
                + " is "
                + layer.family().name()
                + ": the KDE estimator needs a Gaussian layer "
                + (model.exactLayer() + 1)
                + " (the layer conditioned on x alone, whose posterior is exact)");
      }
    }

    /**
     * I(x; z_e) of the exact layer e ({@link ModelDescription#exactLayer}: z_1 of a bottom-up
     * chain, the top z of a top-down model) by a KDE fitted to one draw of q(z_e|x) per example of
     * the fit set: the request's kde_fit_split of the evaluated dataset, else the evaluated
     * examples with draws independent of those the estimate is taken at (fitting to the same draws
     * would add each point's own kernel).
     */
    private Kde kdeMutualInformation(ModelDescription model, Posterior p, boolean binarize) {
      int exactLayer = model.exactLayer();
      LatentLayerInfo layer = model.layers().get(exactLayer);
      long phaseStart = System.nanoTime();
      InformationRequest info = request.information();
      FloatTensor fitData = data;
      FloatTensor fitCondition = condition;
      String fitDescription = "independent draws of the evaluated examples";
      if (!info.kdeFitSplit().isEmpty()) {
        if (request.dataset() == null) {
          throw new InvalidEvaluationException(
              "kde_fit_split is \""
                  + info.kdeFitSplit()
                  + "\", but the data is inline: leave it empty to fit the KDE to the"
                  + " evaluated examples");
        }
        DatasetRef ref =
            new DatasetRef(
                request.dataset().name(),
                info.kdeFitSplit(),
                info.kdeFitLimit(),
                request.dataset().binarizationSeed());
        if (model.conditional()) {
          LabelledExamples labelled = datasets.loadLabelled(ref, binarize);
          fitData = labelled.examples();
          fitCondition = labelled.oneHot();
        } else {
          fitData = datasets.load(ref, binarize);
          fitCondition = null;
        }
        if (fitData.rowSize() != model.inputDim()) {
          throw new InvalidEvaluationException(
              "kde_fit_split "
                  + ref
                  + " has "
                  + fitData.rowSize()
                  + " features, model "
                  + model.id()
                  + " expects "
                  + model.inputDim());
        }
        fitDescription = ref.toString();
      } else if (info.kdeFitLimit() > 0 && info.kdeFitLimit() < n) {
        fitData = data.rows(0, info.kdeFitLimit());
        fitCondition = condition == null ? null : condition.rows(0, info.kdeFitLimit());
        fitDescription += " [:" + info.kdeFitLimit() + "]";
      }
      int fitRows = (int) fitData.dim(0);
      if (fitRows < 2) {
        throw new InvalidEvaluationException(
            "the KDE needs at least 2 fit examples, " + fitDescription + " has " + fitRows);
      }
      ShapeProducts.arraySize("KDE fit examples * latent units", fitRows, layer.dim());
      int d = layer.dim();
      float[] draws = new float[fitRows * d];
      FloatTensor y = fitCondition;
      long seed = Seeds.derive(request.seed(), KDE_SEEDS, 0);
      forEachRange(
          PHASE_KDE,
          fitData,
          options.maxRowsPerCall(),
          (from, x) ->
              client.encode(
                  key, x, y == null ? null : y.rows(from, from + (int) x.dim(0)), true, seed, from),
          (from, encoding) -> {
            FloatTensor z = encoding.layers().get(exactLayer).sample().orElseThrow();
            System.arraycopy(z.data(), 0, draws, from * d, z.size());
          });
      checkCancelled();
      GaussianKde kde;
      try {
        kde = GaussianKde.fit(FloatTensor.of(draws, fitRows, d));
      } catch (IllegalArgumentException e) {
        throw new InvalidEvaluationException(
            "cannot fit the KDE of layer " + layer.name() + ": " + e.getMessage());
      }
      Estimate estimate = MutualInformationEstimator.kernelDensity(p.exactLayer(exactLayer), kde);
      phaseTimes.put(PHASE_KDE, since(phaseStart));
      return new Kde(estimate, fitRows, fitDescription, kde.factor());
    }

    private double mmd(ModelDescription model, Posterior p, int m) {
      if (n < 2) {
        return Double.NaN;
      }
      long phaseStart = System.nanoTime();
      progress(PHASE_MMD, 0, m, 0);
      int d = model.topLayer().dim();
      // A seeded uniform subset of the examples, not the first m: dataset order is not random.
      int[] subset = RandomSubset.choose(n, m, Seeds.derive(request.seed(), MMD_SEEDS, -1));
      float[] q = new float[m * d];
      for (int i = 0; i < m; i++) {
        System.arraycopy(p.topSample, subset[i] * d, q, i * d, d);
      }
      FloatTensor subsetCondition = condition == null ? null : gather(condition, subset);
      float[] prior = new float[m * d];
      if (model.prior() == Prior.STANDARD_NORMAL) {
        long seed = Seeds.derive(request.seed(), MMD_SEEDS, 0);
        for (int r = 0; r < m; r++) {
          CounterNoise.gaussian(
              CounterNoise.rowKey(seed, CounterNoise.Stream.PRIOR, r), 0, prior, r * d, d);
        }
      } else {
        // Draws from the served prior. p(z) of a conditional model is the mixture of p(z|y) over
        // the data's conditions: one draw from p(z|y_r) for each of the m examples whose posterior
        // draws q(z) holds.
        int rows = options.maxRowsPerCall();
        for (int from = 0, call = 0; from < m; from += rows, call++) {
          int count = Math.min(rows, m - from);
          FloatTensor z =
              client
                  .sample(
                      key,
                      count,
                      subsetCondition == null ? null : subsetCondition.rows(from, from + count),
                      Seeds.derive(request.seed(), MMD_SEEDS, call),
                      false)
                  .z();
          System.arraycopy(z.data(), 0, prior, from * d, count * d);
        }
      }
      double value =
          MaximumMeanDiscrepancy.squaredUnbiased(
              FloatTensor.of(q, m, d), FloatTensor.of(prior, m, d));
      progress(PHASE_MMD, m, m, 0);
      phaseTimes.put(PHASE_MMD, since(phaseStart));
      return value;
    }

    /** Rows {@code rows} of {@code t} [N, C], in that order. */
    private static FloatTensor gather(FloatTensor t, int[] rows) {
      int c = t.rowSize();
      float[] out = new float[rows.length * c];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(t.data(), rows[i] * c, out, i * c, c);
      }
      return FloatTensor.of(out, rows.length, c);
    }

    private Previews previews(ModelDescription model) {
      FloatTensor prior = null;
      FloatTensor originals = null;
      FloatTensor reconstructions = null;
      int samples = Math.min(options.previewSamples(), options.maxRowsPerCall());
      int recon = Math.min(Math.min(options.previewReconstructions(), n), options.maxRowsPerCall());
      if (samples == 0 && recon == 0) {
        return new Previews(model.inputShape(), null, null, null);
      }
      long phaseStart = System.nanoTime();
      progress(PHASE_PREVIEWS, 0, samples + recon, 0);
      checkCancelled();
      int priorClasses = 0;
      if (samples > 0 && model.conditional()) {
        // One row of draws per class: y = e_c, for as many classes as one call can carry.
        int c = model.conditionDim();
        int perClass = Math.max(1, samples / c);
        priorClasses = Math.min(c, Math.max(1, options.maxRowsPerCall() / perClass));
        samples = priorClasses * perClass;
        float[] y = new float[samples * c];
        for (int i = 0; i < samples; i++) {
          y[i * c + i / perClass] = 1;
        }
        prior =
            client
                .sample(
                    key,
                    samples,
                    FloatTensor.of(y, samples, c),
                    Seeds.derive(request.seed(), PREVIEW_SEEDS, 0),
                    false)
                .xMean();
      } else if (samples > 0) {
        prior =
            client
                .sample(key, samples, Seeds.derive(request.seed(), PREVIEW_SEEDS, 0), false)
                .xMean();
      }
      if (recon > 0) {
        originals = data.rows(0, recon);
        FloatTensor y = conditionRows(0, recon);
        Encoding encoding = client.encode(key, originals, y, false, request.seed(), 0);
        reconstructions =
            client.decode(key, encoding.top().expectation(), y, false, request.seed(), 0).xMean();
      }
      progress(PHASE_PREVIEWS, samples + recon, samples + recon, 0);
      phaseTimes.put(PHASE_PREVIEWS, since(phaseStart));
      return new Previews(model.inputShape(), prior, originals, reconstructions, priorClasses);
    }

    /**
     * Calls {@code task} for every range of at most {@code rowsPerCall} rows on the executor, at
     * most {@link EvaluatorOptions#parallelCalls()} at once, and hands each result to {@code sink}
     * on this thread.
     */
    private <T> void forEachRange(
        String phase, int rowsPerCall, RangeTask<T> task, RangeSink<T> sink) {
      forEachRange(phase, data, rowsPerCall, task, sink);
    }

    /** {@link #forEachRange(String, int, RangeTask, RangeSink)} over the rows of {@code source}. */
    private <T> void forEachRange(
        String phase, FloatTensor source, int rowsPerCall, RangeTask<T> task, RangeSink<T> sink) {
      int n = (int) source.dim(0);
      CompletionService<RangeResult<T>> completion = new ExecutorCompletionService<>(executor);
      List<Future<RangeResult<T>>> futures = new ArrayList<>();
      long rangeStart = System.nanoTime();
      int next = 0;
      int inFlight = 0;
      long done = 0;
      progress(phase, 0, n, 0);
      try {
        while (next < n || inFlight > 0) {
          while (inFlight < options.parallelCalls() && next < n) {
            checkCancelled();
            int from = next;
            int to = Math.min(n, from + rowsPerCall);
            FloatTensor x = source.rows(from, to);
            futures.add(completion.submit(() -> new RangeResult<>(from, to, task.call(from, x))));
            next = to;
            inFlight++;
          }
          Future<RangeResult<T>> finished = null;
          while (finished == null) {
            checkCancelled();
            finished = completion.poll(CANCEL_POLL_MILLIS, TimeUnit.MILLISECONDS);
          }
          inFlight--;
          RangeResult<T> result = result(finished);
          sink.accept(result.from(), result.value());
          done += result.to() - result.from();
          progress(phase, done, n, System.nanoTime() - rangeStart);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EvaluationCancelledException("evaluation " + id + " was interrupted");
      } finally {
        for (Future<RangeResult<T>> f : futures) {
          f.cancel(true);
        }
      }
    }

    private <T> RangeResult<T> result(Future<RangeResult<T>> future) throws InterruptedException {
      try {
        return future.get();
      } catch (ExecutionException e) {
        checkCancelled();
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        if (cause instanceof Error error) {
          throw error;
        }
        throw new IllegalStateException(cause);
      }
    }

    private void checkCancelled() {
      if (cancelled.getAsBoolean()) {
        throw new EvaluationCancelledException("evaluation " + id + " was cancelled");
      }
    }

    private void progress(String phase, long done, long total, long phaseNanos) {
      Duration eta = Duration.ZERO;
      if (done > 0 && done < total) {
        eta = Duration.ofNanos((long) (phaseNanos / (double) done * (total - done)));
      }
      listener.onProgress(new Progress(phase, done, total, since(startNanos), eta));
    }

    private Duration since(long nanos) {
      return Duration.ofNanos(System.nanoTime() - nanos);
    }
  }

  @FunctionalInterface
  private interface RangeTask<T> {
    T call(int firstRow, FloatTensor x);
  }

  @FunctionalInterface
  private interface RangeSink<T> {
    void accept(int firstRow, T value);
  }

  private record RangeResult<T>(int from, int to, T value) {}

  /** The KDE estimate and what the KDE was fitted to. */
  private record Kde(Estimate estimate, int fitExamples, String fitData, double factor) {}

  /** -e, with the same standard error. */
  private static Estimate negate(Estimate e) {
    return new Estimate(-e.value(), e.standardError());
  }

  private record PosteriorChunk(Encoding means, List<Encoding> draws, double[][] rateSums) {
    Encoding sampled() {
      return draws.get(0);
    }
  }

  /**
   * Posterior statistics of every example, filled range by range. Which layers' posteriors are
   * exact comes from the model's inference structure ({@link ModelDescription#exactPosterior}):
   * layer 1 of a bottom-up chain, the top layer of a top-down model. An exact layer keeps one
   * draw's parameters of q(z_l|x); every other layer keeps its conditionals q(z_l|parents^s, x) at
   * each of the S draws of the layers it reads, the mixture standing for q(z_l|x).
   */
  private static final class Posterior {
    final float[] topSample;
    final float[][] means;
    final double[][] rates;

    /** Draws behind each mixture layer's E_q[z_l|x]: 0 when active units are not computed. */
    final int meanDraws;

    /**
     * Per layer l and draw s, each parameter of q(z_l|.) at draw s: one draw for an exact layer, S
     * for a mixture layer (none when the MI is not computed).
     */
    final float[][][][] parameters;

    /** Per layer, the first draw's samples z_l; null where {@link #parameters} are. */
    final float[][] samples;

    private final boolean[] exact;
    private final List<LatentLayerInfo> layers;
    private final int topDim;
    private final int[] dims;
    private final int n;

    Posterior(ModelDescription model, int n, int meanDraws, int miDraws) {
      this.n = n;
      this.meanDraws = meanDraws;
      this.layers = model.layers();
      dims = layers.stream().mapToInt(LatentLayerInfo::dim).toArray();
      topDim = dims[dims.length - 1];
      topSample = new float[n * topDim];
      means = new float[dims.length][];
      rates = new double[dims.length][n];
      exact = new boolean[dims.length];
      parameters = new float[dims.length][][][];
      samples = new float[dims.length][];
      for (int l = 0; l < dims.length; l++) {
        means[l] = new float[n * dims[l]];
        exact[l] = model.exactPosterior(l);
        int draws = exact[l] ? 1 : miDraws;
        if (draws == 0) {
          continue;
        }
        parameters[l] = new float[draws][layers.get(l).family().parameterCount()][];
        for (int s = 0; s < draws; s++) {
          for (int q = 0; q < parameters[l][s].length; q++) {
            parameters[l][s][q] = new float[n * dims[l]];
          }
        }
        samples[l] = new float[n * dims[l]];
      }
    }

    /** Whether layer l's q(z_l|x) is exact (one distribution per example). */
    boolean exact(int l) {
      return exact[l];
    }

    /**
     * Layer l's q(z_l|x) of every example: the exact posterior alone, or its conditionals at each
     * draw of the layers it reads (a mixture); the first carries the samples.
     */
    List<LayerDistribution> draws(int l) {
      List<LayerDistribution> out = new ArrayList<>();
      for (int s = 0; s < parameters[l].length; s++) {
        List<FloatTensor> values = new ArrayList<>();
        for (float[] v : parameters[l][s]) {
          values.add(FloatTensor.of(v, n, dims[l]));
        }
        out.add(
            new LayerDistribution(
                layers.get(l).name(),
                layers.get(l).family(),
                values,
                s == 0
                    ? java.util.Optional.of(FloatTensor.of(samples[l], n, dims[l]))
                    : java.util.Optional.empty()));
      }
      return out;
    }

    /** Exact layer l's posterior of every example, with the first draw as its sample. */
    LayerDistribution exactLayer(int l) {
      if (!exact[l]) {
        throw new IllegalStateException("layer " + layers.get(l).name() + " is a mixture");
      }
      return draws(l).get(0);
    }

    void add(int from, PosteriorChunk chunk, int draws) {
      Encoding sampled = chunk.sampled();
      int m = sampled.bottom().rows();
      copy(sampled.top().sample().orElseThrow(), topSample, from, topDim);
      if (chunk.means() != null) {
        // An exact layer's mean is the encoder's; a mixture layer's E_q[z_l|x] is the mean over
        // the draws of E[z_l|parents, x] (the encoder's deterministic pass would plug the parents'
        // means in, which it is not).
        for (int l = 0; l < dims.length; l++) {
          if (exact[l]) {
            copy(chunk.means().layers().get(l).expectation(), means[l], from, dims[l]);
            continue;
          }
          float[] sum = new float[m * dims[l]];
          for (Encoding draw : chunk.draws()) {
            float[] e = draw.layers().get(l).expectation().data();
            for (int i = 0; i < sum.length; i++) {
              sum[i] += e[i];
            }
          }
          for (int i = 0; i < sum.length; i++) {
            sum[i] /= chunk.draws().size();
          }
          copy(FloatTensor.of(sum, m, dims[l]), means[l], from, dims[l]);
        }
      }
      for (int l = 0; l < dims.length; l++) {
        if (parameters[l] == null) {
          continue;
        }
        for (int s = 0; s < parameters[l].length; s++) {
          LayerDistribution q = chunk.draws().get(s).layers().get(l);
          for (int k = 0; k < parameters[l][s].length; k++) {
            copy(q.parameters().get(k), parameters[l][s][k], from, dims[l]);
          }
        }
        copy(sampled.layers().get(l).sample().orElseThrow(), samples[l], from, dims[l]);
      }
      for (int l = 0; l < dims.length; l++) {
        for (int r = 0; r < m; r++) {
          rates[l][from + r] = chunk.rateSums()[l][r] / draws;
        }
      }
    }

    private static void copy(FloatTensor src, float[] dst, int fromRow, int dim) {
      if (src.rowSize() != dim) {
        throw new InferenceException(
            InferenceException.Reason.INTERNAL,
            "",
            "inference returned " + src.rowSize() + " latent units, the model has " + dim);
      }
      System.arraycopy(src.data(), 0, dst, fromRow * dim, src.size());
    }
  }
}
