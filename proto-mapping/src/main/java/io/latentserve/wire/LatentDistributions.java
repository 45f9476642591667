package io.latentserve.wire;

import io.latentserve.model.InferenceStructure;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.Prior;
import io.latentserve.proto.v1.BernoulliParams;
import io.latentserve.proto.v1.GaussianParams;
import io.latentserve.proto.v1.LatentDistribution;
import io.latentserve.proto.v1.Tensor;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The one place where the model's {@link LatentFamily} and {@link Prior} meet the API: the family's
 * enum value, and which {@code LatentDistribution.params} case carries its parameters in which
 * fields. Adding a family adds one {@link Wire} entry here.
 *
 * <p>Parameters travel as already encoded {@link Tensor}s, in {@link LatentFamily#parameterNames()}
 * order, so that every service keeps its own tensor codec.
 */
public final class LatentDistributions {
  /** One family's API names: its enum value, its oneof case, how to write and read the case. */
  private record Wire(
      LatentFamily family,
      io.latentserve.proto.v1.LatentFamily api,
      LatentDistribution.ParamsCase paramsCase,
      BiConsumer<LatentDistribution.Builder, List<Tensor>> write,
      Function<LatentDistribution, List<Tensor>> read) {}

  private static final List<Wire> WIRES =
      List.of(
          new Wire(
              LatentFamily.GAUSSIAN,
              io.latentserve.proto.v1.LatentFamily.LATENT_FAMILY_GAUSSIAN,
              LatentDistribution.ParamsCase.GAUSSIAN,
              (b, p) ->
                  b.setGaussian(
                      GaussianParams.newBuilder().setMean(p.get(0)).setLogVariance(p.get(1))),
              d -> List.of(d.getGaussian().getMean(), d.getGaussian().getLogVariance())),
          new Wire(
              LatentFamily.BERNOULLI,
              io.latentserve.proto.v1.LatentFamily.LATENT_FAMILY_BERNOULLI,
              LatentDistribution.ParamsCase.BERNOULLI,
              (b, p) -> b.setBernoulli(BernoulliParams.newBuilder().setLogits(p.get(0))),
              d -> List.of(d.getBernoulli().getLogits())));

  private LatentDistributions() {}

  /** The API's enum value of {@code family}. */
  public static io.latentserve.proto.v1.LatentFamily toApi(LatentFamily family) {
    return wire(family).api();
  }

  /**
   * The family an API enum value names.
   *
   * @throws IllegalArgumentException for LATENT_FAMILY_UNSPECIFIED or a value this build does not
   *     know
   */
  public static LatentFamily fromApi(io.latentserve.proto.v1.LatentFamily family) {
    for (Wire w : WIRES) {
      if (w.api() == family) {
        return w.family();
      }
    }
    throw new IllegalArgumentException("unknown latent family " + family);
  }

  /** The API's enum value of {@code prior}. */
  public static io.latentserve.proto.v1.Prior toApi(Prior prior) {
    return io.latentserve.proto.v1.Prior.valueOf("PRIOR_" + prior.name().toUpperCase());
  }

  /**
   * The prior an API enum value names.
   *
   * @throws IllegalArgumentException for PRIOR_UNSPECIFIED or a value this build does not know
   */
  public static Prior fromApi(io.latentserve.proto.v1.Prior prior) {
    for (Prior p : Prior.all()) {
      if (toApi(p) == prior) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown prior " + prior);
  }

  /** The API's enum value of {@code structure}. */
  public static io.latentserve.proto.v1.InferenceStructure toApi(InferenceStructure structure) {
    return io.latentserve.proto.v1.InferenceStructure.valueOf(
        "INFERENCE_STRUCTURE_" + structure.name().toUpperCase());
  }

  /**
   * The inference structure an API enum value names; INFERENCE_STRUCTURE_UNSPECIFIED is the
   * bottom-up chain.
   *
   * @throws IllegalArgumentException for a value this build does not know
   */
  public static InferenceStructure fromApi(io.latentserve.proto.v1.InferenceStructure structure) {
    if (structure == io.latentserve.proto.v1.InferenceStructure.INFERENCE_STRUCTURE_UNSPECIFIED) {
      return InferenceStructure.BOTTOM_UP;
    }
    for (InferenceStructure s : InferenceStructure.all()) {
      if (toApi(s) == structure) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown inference structure " + structure);
  }

  /**
   * A layer's distribution with its parameters in the family's case.
   *
   * @param parameters encoded [N, dim] tensors in {@link LatentFamily#parameterNames()} order
   */
  public static LatentDistribution.Builder distribution(
      String layer, LatentFamily family, List<Tensor> parameters) {
    if (parameters.size() != family.parameterCount()) {
      throw new IllegalArgumentException(
          family.name()
              + " has "
              + family.parameterCount()
              + " parameters, got "
              + parameters.size());
    }
    LatentDistribution.Builder b = LatentDistribution.newBuilder().setLayer(layer);
    wire(family).write().accept(b, parameters);
    return b;
  }

  /**
   * The family whose case {@code distribution} carries.
   *
   * @throws IllegalArgumentException when no case is set or this build does not know it
   */
  public static LatentFamily family(LatentDistribution distribution) {
    for (Wire w : WIRES) {
      if (w.paramsCase() == distribution.getParamsCase()) {
        return w.family();
      }
    }
    throw new IllegalArgumentException(
        "layer "
            + distribution.getLayer()
            + " carries no parameters of a known family (case "
            + distribution.getParamsCase()
            + ")");
  }

  /** The encoded parameters of {@code distribution}, in its family's parameter order. */
  public static List<Tensor> parameters(LatentDistribution distribution) {
    return wire(family(distribution)).read().apply(distribution);
  }

  private static Wire wire(LatentFamily family) {
    for (Wire w : WIRES) {
      if (w.family() == family) {
        return w;
      }
    }
    throw new IllegalArgumentException("latent family " + family.name() + " has no API mapping");
  }
}
