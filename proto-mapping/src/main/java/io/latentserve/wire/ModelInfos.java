package io.latentserve.wire;

import com.google.protobuf.Timestamp;
import io.latentserve.bundle.Provenance;
import io.latentserve.model.LogPartition;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.proto.v1.LatentLayer;
import io.latentserve.proto.v1.Likelihood;
import io.latentserve.proto.v1.ModelInfo;
import io.latentserve.proto.v1.RbmPrior;

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
    return describe(name, version, architecture, provenance, manifestSha256, null);
  }

  /**
   * {@link #describe(String, long, VaeArchitecture, Provenance, String)} with the log Z of an RBM
   * prior ({@code rbm_prior}, and each layer's {@code rbm_offset}); null for other priors.
   */
  public static ModelInfo.Builder describe(
      String name,
      long version,
      VaeArchitecture architecture,
      Provenance provenance,
      String manifestSha256,
      LogPartition logPartition) {
    ModelInfo.Builder b =
        ModelInfo.newBuilder()
            .setName(name)
            .setVersion(version)
            .addInputShape(architecture.inputDim())
            .setLikelihood(likelihood(architecture))
            .setLikelihoodSigma(architecture.likelihoodSigma())
            .setLikelihoodMinVariance(architecture.likelihoodMinVariance())
            .setConditionDim(architecture.conditionDim())
            .setPrior(LatentDistributions.toApi(architecture.prior()))
            .setProvenance(provenance(provenance))
            .setManifestSha256(manifestSha256);
    int offset = 0;
    boolean rbm = architecture.prior().spansAllLayers();
    for (StochasticLayer layer : architecture.layers()) {
      b.addLatentLayers(
          LatentLayer.newBuilder()
              .setName(layer.name())
              .setDim(layer.latentDim())
              .setFamily(LatentDistributions.toApi(layer.family()))
              .setRbmOffset(rbm ? offset : 0));
      offset += layer.latentDim();
    }
    if (rbm && logPartition != null) {
      b.setRbmPrior(rbmPrior(architecture, logPartition));
    }
    return b;
  }

  /** The API's description of an RBM prior with its log Z. */
  public static RbmPrior rbmPrior(VaeArchitecture architecture, LogPartition logPartition) {
    return RbmPrior.newBuilder()
        .setN1(architecture.rbmFirstHalf())
        .setN2(architecture.rbmUnits() - architecture.rbmFirstHalf())
        .setLogZ(logPartition.logZ())
        .setLogZStandardError(logPartition.standardError())
        .setLogZMethod(logPartition.method())
        .setAisTemperatures(logPartition.temperatures())
        .setAisChains(logPartition.chains())
        .setAisSeed(logPartition.seed())
        .build();
  }

  /**
   * The log Z an API description carries, or null without one.
   *
   * @throws IllegalArgumentException when its values are invalid
   */
  public static LogPartition logPartition(ModelInfo info) {
    if (!info.hasRbmPrior()) {
      return null;
    }
    RbmPrior r = info.getRbmPrior();
    return new LogPartition(
        r.getLogZ(),
        r.getLogZStandardError(),
        r.getLogZMethod(),
        r.getAisTemperatures(),
        r.getAisChains(),
        r.getAisSeed());
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
    return io.latentserve.proto.v1.Provenance.newBuilder()
        .setSpecJson(p.specJson())
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
