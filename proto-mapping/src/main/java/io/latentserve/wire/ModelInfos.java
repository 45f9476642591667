package io.latentserve.wire;

import com.google.protobuf.Timestamp;
import io.latentserve.bundle.Provenance;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.proto.v1.LatentLayer;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.ModelInfo;

/** The API's description of a bundle, as every service that names a model answers it. */
public final class ModelInfos {
  private ModelInfos() {}

  /**
   * A model version's name, shapes, families, provenance and manifest digest; the device is left to
   * the service that runs the model.
   */
  public static ModelInfo.Builder describe(
      String name,
      long version,
      VaeArchitecture architecture,
      Provenance provenance,
      String manifestSha256) {
    ModelInfo.Builder b =
        ModelInfo.newBuilder()
            .setName(name)
            .setVersion(version)
            .setLikelihood(likelihood(architecture))
            .setLikelihoodSigma(architecture.likelihoodSigma())
            .setLikelihoodMinVariance(architecture.likelihoodMinVariance())
            .setConditionDim(architecture.conditionDim())
            .setPrior(LatentDistributions.toApi(architecture.prior()))
            .setInferenceStructure(LatentDistributions.toApi(architecture.inference()))
            .setProvenance(provenance(provenance))
            .setManifestSha256(manifestSha256);
    architecture.inputShape().forEach(d -> b.addInputShape(d));
    for (StochasticLayer layer : architecture.layers()) {
      b.addLatentLayers(
          LatentLayer.newBuilder()
              .setName(layer.name())
              .setDim(layer.latentDim())
              .setFamily(LatentDistributions.toApi(layer.family())));
    }
    return b;
  }

  /** The API name of an architecture's likelihood family. */
  public static Likelihood likelihood(VaeArchitecture architecture) {
    return switch (architecture.likelihood()) {
      case BERNOULLI -> Likelihood.LIKELIHOOD_BERNOULLI;
      case GAUSSIAN_FIXED -> Likelihood.LIKELIHOOD_GAUSSIAN_FIXED;
      case GAUSSIAN_LEARNED -> Likelihood.LIKELIHOOD_GAUSSIAN_LEARNED;
    };
  }

  private static io.latentserve.proto.v1.Provenance provenance(Provenance p) {
    io.latentserve.proto.v1.Provenance.Builder b = io.latentserve.proto.v1.Provenance.newBuilder();
    if (p.sweep() != null) {
      b.setSweepId(p.sweep().sweepId())
          .setSweepIndex(p.sweep().index())
          .putAllSweepValues(p.sweep().values());
    }
    return b.setSpecJson(p.specJson())
        .setDataset(p.dataset())
        .setSeed(p.seed())
        .setEpochs(p.epochs())
        .putAllFinalMetrics(p.finalMetrics())
        .setCodeVersion(p.codeVersion())
        .setPublishedBy(p.publishedBy())
        .setCreated(
            Timestamp.newBuilder()
                .setSeconds(p.created().getEpochSecond())
                .setNanos(p.created().getNano()))
        .build();
  }
}
