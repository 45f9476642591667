package io.latentserve.evaluator.grpc;

import com.google.protobuf.Timestamp;
import io.latentserve.evaluator.core.DatasetRef;
import io.latentserve.evaluator.core.Estimate;
import io.latentserve.evaluator.core.EvaluationReport;
import io.latentserve.evaluator.core.EvaluationRequest;
import io.latentserve.evaluator.core.InformationRequest;
import io.latentserve.evaluator.core.InvalidEvaluationException;
import io.latentserve.evaluator.core.IwllPoint;
import io.latentserve.evaluator.core.LatentLayerInfo;
import io.latentserve.evaluator.core.LayerLabelReport;
import io.latentserve.evaluator.core.LayerReport;
import io.latentserve.evaluator.core.ModelDescription;
import io.latentserve.evaluator.core.ModelKey;
import io.latentserve.evaluator.core.MutualInformationReport;
import io.latentserve.evaluator.core.Progress;
import io.latentserve.evaluator.core.ReportFiles;
import io.latentserve.proto.v1.EvaluateRequest;
import io.latentserve.proto.v1.EvaluationProgress;
import io.latentserve.proto.v1.LatentLayer;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.Metric;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.MutualInformation;
import io.latentserve.proto.v1.Provenance;
import io.latentserve.wire.LatentDistributions;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** Maps between the Evaluator API messages and the core's values. */
final class ProtoMapping {
  private static final int MAX_LABEL_CHARS = 256;

  private ProtoMapping() {}

  /**
   * The core request for an EvaluateRequest.
   *
   * @throws InvalidEvaluationException naming the field at fault
   */
  static EvaluationRequest request(EvaluateRequest r) {
    if (!r.hasModel() || r.getModel().getName().isEmpty()) {
      throw new InvalidEvaluationException("model.name must not be empty");
    }
    if (r.getModel().getName().isBlank()) {
      throw new InvalidEvaluationException(
          "model.name must not be blank, got \"" + r.getModel().getName() + "\"");
    }
    if (r.getModel().getVersion() < 0) {
      throw new InvalidEvaluationException(
          "model.version must be >= 0 (0 for the latest), got " + r.getModel().getVersion());
    }
    if (r.getLabel().length() > MAX_LABEL_CHARS) {
      throw new InvalidEvaluationException(
          "label has " + r.getLabel().length() + " characters, at most " + MAX_LABEL_CHARS);
    }
    ModelKey model = new ModelKey(r.getModel().getName(), r.getModel().getVersion());
    Set<io.latentserve.evaluator.core.Metric> metrics =
        EnumSet.noneOf(io.latentserve.evaluator.core.Metric.class);
    for (int i = 0; i < r.getMetricsCount(); i++) {
      int value = r.getMetricsValue(i);
      Metric m = Metric.forNumber(value);
      if (m == null || m == Metric.METRIC_UNSPECIFIED || m == Metric.UNRECOGNIZED) {
        throw new InvalidEvaluationException(
            "metrics[" + i + "] is " + value + ", not a known metric (1 to 10)");
      }
      metrics.add(metric(m));
    }
    InformationRequest information =
        new InformationRequest(
            r.getKdeFitSplit(),
            r.getKdeFitLimit(),
            r.getInlineLabelsCount() == 0
                ? null
                : r.getInlineLabelsList().stream().mapToInt(Integer::intValue).toArray());
    return switch (r.getDataCase()) {
      case INLINE_DATA ->
          new EvaluationRequest(
              model,
              InlineData.decode(r.getInlineData()),
              null,
              "inline",
              r.getK(),
              metrics,
              r.getSeed(),
              r.getMiBatchSize(),
              r.getLabel(),
              r.hasInlineCondition() ? InlineData.decodeCondition(r.getInlineCondition()) : null,
              information);
      case DATASET -> {
        var d = r.getDataset();
        if (r.hasInlineCondition()) {
          throw new InvalidEvaluationException(
              "inline_condition goes with inline_data only: a dataset's conditional evaluation"
                  + " uses its one-hot labels");
        }
        if (!d.getSplit().equals("train") && !d.getSplit().equals("test")) {
          throw new InvalidEvaluationException(
              "dataset.split must be \"train\" or \"test\", got \"" + d.getSplit() + "\"");
        }
        DatasetRef ref =
            new DatasetRef(d.getName(), d.getSplit(), d.getLimit(), d.getBinarizationSeed());
        yield new EvaluationRequest(
            model,
            null,
            ref,
            ref.toString(),
            r.getK(),
            metrics,
            r.getSeed(),
            r.getMiBatchSize(),
            r.getLabel(),
            null,
            information);
      }
      default -> throw new InvalidEvaluationException("give either dataset or inline_data");
    };
  }

  static io.latentserve.evaluator.core.Metric metric(Metric m) {
    return switch (m) {
      case METRIC_IWLL -> io.latentserve.evaluator.core.Metric.IWLL;
      case METRIC_ELBO -> io.latentserve.evaluator.core.Metric.ELBO;
      case METRIC_RATES -> io.latentserve.evaluator.core.Metric.RATES;
      case METRIC_ACTIVE_UNITS -> io.latentserve.evaluator.core.Metric.ACTIVE_UNITS;
      case METRIC_MUTUAL_INFORMATION -> io.latentserve.evaluator.core.Metric.MUTUAL_INFORMATION;
      case METRIC_MMD -> io.latentserve.evaluator.core.Metric.MMD;
      case METRIC_KDE_MUTUAL_INFORMATION ->
          io.latentserve.evaluator.core.Metric.KDE_MUTUAL_INFORMATION;
      case METRIC_CONSISTENCY -> io.latentserve.evaluator.core.Metric.CONSISTENCY;
      case METRIC_LABEL_INFORMATION -> io.latentserve.evaluator.core.Metric.LABEL_INFORMATION;
      case METRIC_LINEAR_PROBES -> io.latentserve.evaluator.core.Metric.LINEAR_PROBES;
      default -> throw new InvalidEvaluationException("unknown metric " + m);
    };
  }

  static Metric metric(io.latentserve.evaluator.core.Metric m) {
    return switch (m) {
      case IWLL -> Metric.METRIC_IWLL;
      case ELBO -> Metric.METRIC_ELBO;
      case RATES -> Metric.METRIC_RATES;
      case ACTIVE_UNITS -> Metric.METRIC_ACTIVE_UNITS;
      case MUTUAL_INFORMATION -> Metric.METRIC_MUTUAL_INFORMATION;
      case MMD -> Metric.METRIC_MMD;
      case KDE_MUTUAL_INFORMATION -> Metric.METRIC_KDE_MUTUAL_INFORMATION;
      case CONSISTENCY -> Metric.METRIC_CONSISTENCY;
      case LABEL_INFORMATION -> Metric.METRIC_LABEL_INFORMATION;
      case LINEAR_PROBES -> Metric.METRIC_LINEAR_PROBES;
    };
  }

  private static MutualInformation mutualInformation(MutualInformationReport mi) {
    return MutualInformation.newBuilder()
        .setAggregate(mi.aggregate().value())
        .setAggregateStandardError(mi.aggregate().standardError())
        .setAggregateCeiling(mi.aggregateCeiling())
        .setMinibatch(mi.minibatch())
        .setMinibatchSize(mi.minibatchSize())
        .build();
  }

  static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(d.getSeconds())
        .setNanos(d.getNano())
        .build();
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  static EvaluationProgress progress(String id, Progress p) {
    return EvaluationProgress.newBuilder()
        .setEvaluationId(id)
        .setPhase(p.phase())
        .setExamplesDone(p.examplesDone())
        .setExamplesTotal(p.examplesTotal())
        .setElapsed(duration(p.elapsed()))
        .setEta(duration(p.eta()))
        .build();
  }

  private static io.latentserve.proto.v1.Estimate estimate(Estimate e) {
    return io.latentserve.proto.v1.Estimate.newBuilder()
        .setValue(e.value())
        .setStandardError(e.standardError())
        .build();
  }

  static ModelInfo modelInfo(ModelDescription m) {
    ModelInfo.Builder b =
        ModelInfo.newBuilder()
            .setName(m.name())
            .setVersion(m.version())
            .addAllInputShape(m.inputShape())
            .setLikelihood(
                switch (m.likelihood()) {
                  case BERNOULLI -> Likelihood.LIKELIHOOD_BERNOULLI;
                  case GAUSSIAN_FIXED -> Likelihood.LIKELIHOOD_GAUSSIAN_FIXED;
                  case GAUSSIAN_LEARNED -> Likelihood.LIKELIHOOD_GAUSSIAN_LEARNED;
                })
            .setLikelihoodSigma(m.likelihoodSigma())
            .setConditionDim(m.conditionDim())
            .setPrior(LatentDistributions.toApi(m.prior()))
            .setInferenceStructure(LatentDistributions.toApi(m.inference()))
            .setDevice(m.device())
            .setManifestSha256(m.manifestSha256());
    for (LatentLayerInfo l : m.layers()) {
      b.addLatentLayers(
          LatentLayer.newBuilder()
              .setName(l.name())
              .setDim(l.dim())
              .setFamily(LatentDistributions.toApi(l.family())));
    }
    if (m.logPartition() != null) {
      int units = m.layers().stream().mapToInt(LatentLayerInfo::dim).sum();
      int n1 = io.latentserve.model.Rbm.firstHalf(units);
      io.latentserve.model.LogPartition z = m.logPartition();
      b.setRbmPrior(
          io.latentserve.proto.v1.RbmPrior.newBuilder()
              .setN1(n1)
              .setN2(units - n1)
              .setLogZ(z.logZ())
              .setLogZStandardError(z.standardError())
              .setLogZMethod(z.method())
              .setAisTemperatures(z.temperatures())
              .setAisChains(z.chains())
              .setAisSeed(z.seed()));
    }
    Provenance.Builder p =
        Provenance.newBuilder()
            .setSpecJson(m.specJson())
            .setDataset(m.trainingDataset())
            .setSeed(m.trainingSeed())
            .setEpochs(m.epochs())
            .putAllFinalMetrics(m.finalMetrics())
            .setCodeVersion(m.codeVersion());
    if (m.created() != null) {
      p.setCreated(timestamp(m.created()));
    }
    return b.setProvenance(p).build();
  }

  static io.latentserve.proto.v1.EvaluationReport report(EvaluationReport r, ReportFiles files) {
    io.latentserve.proto.v1.EvaluationReport.Builder b =
        io.latentserve.proto.v1.EvaluationReport.newBuilder()
            .setEvaluationId(r.evaluationId())
            .setModel(modelInfo(r.model()))
            .setLabel(r.label())
            .setExamples(r.examples())
            .setK(r.k())
            .setSeed(r.seed())
            .setMeanEffectiveSampleSize(r.meanEffectiveSampleSize())
            .setWallTime(duration(r.wallTime()))
            .setExamplesPerSecond(r.examplesPerSecond())
            .setJsonPath(files.json().toString())
            .setHtmlPath(files.html().toString())
            .setCreated(timestamp(r.created()))
            .setData(r.dataDescription())
            .setCondition(r.condition())
            .setMmdSamples(r.mmdSamples());
    r.metrics().forEach(m -> b.addMetrics(metric(m)));
    if (r.iwll() != null) {
      b.setIwll(estimate(r.iwll()));
      b.setIwllTotalStandardError(r.iwllTotalStandardError());
    }
    if (r.model().logPartition() != null) {
      b.setLogZ(r.model().logPartition().logZ())
          .setLogZStandardError(r.model().logPartition().standardError());
    }
    for (IwllPoint p : r.iwllCurve()) {
      b.addIwllCurve(
          io.latentserve.proto.v1.IwllPoint.newBuilder()
              .setK(p.k())
              .setLogLikelihood(estimate(p.logLikelihood())));
    }
    if (r.elbo() != null) {
      b.setElbo(estimate(r.elbo()));
    }
    if (r.distortion() != null) {
      b.setDistortion(estimate(r.distortion()));
    }
    if (r.totalRate() != null) {
      b.setTotalRate(estimate(r.totalRate()));
    }
    for (LayerReport l : r.layers()) {
      io.latentserve.proto.v1.LayerReport.Builder lb =
          io.latentserve.proto.v1.LayerReport.newBuilder()
              .setLayer(l.layer())
              .setDim(l.dim())
              .setActiveUnits(Math.max(0, l.activeUnits()));
      if (l.rate() != null) {
        lb.setRate(estimate(l.rate()));
      }
      for (double a : l.activity()) {
        lb.addActivity(a);
      }
      lb.setActiveUnitSamples(l.activeUnitSamples());
      if (l.mutualInformation() != null) {
        lb.setMutualInformation(mutualInformation(l.mutualInformation()));
      }
      LayerLabelReport labels = l.labels();
      if (labels != null) {
        if (labels.information() != null) {
          lb.setLabelInformation(estimate(labels.information()));
        }
        if (!Double.isNaN(labels.probeAccuracy())) {
          lb.setProbeAccuracy(labels.probeAccuracy());
        }
        lb.setProbeTestExamples(labels.probeTestExamples());
        if (!Double.isNaN(labels.fanoAccuracyCeiling())) {
          lb.setFanoAccuracyCeiling(labels.fanoAccuracyCeiling());
        }
      }
      b.addLayers(lb);
    }
    MutualInformationReport mi = r.mutualInformation();
    if (mi != null) {
      b.setMutualInformation(mutualInformation(mi));
    }
    if (!Double.isNaN(r.mmd())) {
      b.setMmd(r.mmd());
    }
    var info = r.information();
    if (info.kdeMutualInformation() != null) {
      b.setKdeMutualInformation(estimate(info.kdeMutualInformation()))
          .setKdeFitExamples(info.kdeFitExamples())
          .setKdeFitData(info.kdeFitData())
          .setKdeBandwidthFactor(info.kdeBandwidthFactor());
    }
    if (info.consistency() != null) {
      b.setConsistency(estimate(info.consistency()));
    }
    b.setLabelClasses(info.labelClasses());
    if (!Double.isNaN(info.labelEntropy())) {
      b.setLabelEntropy(info.labelEntropy());
    }
    for (Map.Entry<String, Duration> e : r.phaseTimes().entrySet()) {
      b.putPhaseTimes(e.getKey(), duration(e.getValue()));
    }
    return b.build();
  }
}
