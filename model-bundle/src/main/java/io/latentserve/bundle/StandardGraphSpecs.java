package io.latentserve.bundle;

import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The graph inputs and outputs that {@link GraphRole} describes, spelled out for one architecture:
 * names from {@link GraphNames}, shapes with -1 for the batch N and the sample count K.
 *
 * <p>The ONNX writer declares exactly these inputs and outputs, in this order, and the bundle
 * reader checks a manifest against them. Order within a list:
 *
 * <ul>
 *   <li>{@link GraphRole#ENCODER}: inputs x, then eps of each layer bottom-up; outputs the
 *       parameters of the layer's family in order (mean, logvar; logits), then the sample, of each
 *       layer bottom-up.
 *   <li>{@link GraphRole#DECODER}: inputs the top sample, then eps of each layer below the top
 *       bottom-up; outputs x_mean, x_logvar (learned Gaussian only), then the prior parameters
 *       (prior mean, prior logvar; prior logits) and the sample of each layer below the top,
 *       bottom-up.
 *   <li>{@link GraphRole#LOG_JOINT}: inputs x, then the sample of each layer bottom-up; outputs
 *       log_px_z, log_pz, then log_p_&lt;layer&gt; bottom-up.
 *   <li>{@link GraphRole#LOG_POSTERIOR}: inputs as LOG_JOINT; outputs log_qz, then
 *       log_q_&lt;layer&gt; bottom-up.
 *   <li>{@link GraphRole#LOG_WEIGHTS}: inputs x, then eps [N,K,d_l] of each layer bottom-up;
 *       outputs log_w, log_px_z, log_pz, log_qz.
 * </ul>
 *
 * <p>A conditional architecture adds the input condition [N, C] to every graph, second (after x, or
 * after the top sample in the decoder). When the top prior has weights (conditional or learned),
 * the decoder's outputs end with the top layer's prior parameters [N, d_L] (for a learned prior its
 * constants, repeated on every row).
 */
public final class StandardGraphSpecs {
  private static final long DYNAMIC = -1;

  private StandardGraphSpecs() {}

  /** Every graph of a bundle for {@code architecture}, keyed by role (all five roles). */
  public static Map<GraphRole, GraphSpec> forArchitecture(VaeArchitecture architecture) {
    Map<GraphRole, GraphSpec> specs = new EnumMap<>(GraphRole.class);
    for (GraphRole role : GraphRole.values()) {
      specs.put(role, forRole(architecture, role));
    }
    return Collections.unmodifiableMap(specs);
  }

  /** One graph of a bundle for {@code architecture}. */
  public static GraphSpec forRole(VaeArchitecture architecture, GraphRole role) {
    List<StochasticLayer> layers = architecture.layers();
    long d = architecture.inputDim();
    List<TensorSpec> inputs = new ArrayList<>();
    List<TensorSpec> outputs = new ArrayList<>();
    switch (role) {
      case ENCODER -> {
        inputs.add(matrix(GraphNames.X, d));
        addCondition(architecture, inputs);
        for (StochasticLayer layer : layers) {
          inputs.add(matrix(GraphNames.eps(layer.name()), layer.latentDim()));
        }
        for (StochasticLayer layer : layers) {
          for (String parameter : layer.family().parameterNames()) {
            outputs.add(matrix(GraphNames.parameter(layer.name(), parameter), layer.latentDim()));
          }
          outputs.add(matrix(GraphNames.sample(layer.name()), layer.latentDim()));
        }
      }
      case DECODER -> {
        StochasticLayer top = architecture.top();
        List<StochasticLayer> below = layers.subList(0, layers.size() - 1);
        inputs.add(matrix(GraphNames.sample(top.name()), top.latentDim()));
        addCondition(architecture, inputs);
        for (StochasticLayer layer : below) {
          inputs.add(matrix(GraphNames.eps(layer.name()), layer.latentDim()));
        }
        outputs.add(matrix(GraphNames.X_MEAN, d));
        if (architecture.likelihood() == LikelihoodFamily.GAUSSIAN_LEARNED) {
          outputs.add(matrix(GraphNames.X_LOGVAR, d));
        }
        for (StochasticLayer layer : below) {
          addPriorParameters(layer, outputs);
          outputs.add(matrix(GraphNames.sample(layer.name()), layer.latentDim()));
        }
        if (architecture.prior().hasWeights()) {
          addPriorParameters(top, outputs);
        }
      }
      case LOG_JOINT -> {
        addDataAndSamples(architecture, inputs);
        outputs.add(vector(GraphNames.LOG_PX_Z));
        outputs.add(vector(GraphNames.LOG_PZ));
        for (StochasticLayer layer : layers) {
          outputs.add(vector(GraphNames.logPrior(layer.name())));
        }
      }
      case LOG_POSTERIOR -> {
        addDataAndSamples(architecture, inputs);
        outputs.add(vector(GraphNames.LOG_QZ));
        for (StochasticLayer layer : layers) {
          outputs.add(vector(GraphNames.logPosterior(layer.name())));
        }
      }
      case LOG_WEIGHTS -> {
        inputs.add(matrix(GraphNames.X, d));
        addCondition(architecture, inputs);
        for (StochasticLayer layer : layers) {
          inputs.add(
              new TensorSpec(
                  GraphNames.eps(layer.name()),
                  List.of(DYNAMIC, DYNAMIC, (long) layer.latentDim())));
        }
        for (String name :
            List.of(GraphNames.LOG_W, GraphNames.LOG_PX_Z, GraphNames.LOG_PZ, GraphNames.LOG_QZ)) {
          outputs.add(new TensorSpec(name, List.of(DYNAMIC, DYNAMIC)));
        }
      }
      default -> throw new IllegalArgumentException("unknown graph role " + role);
    }
    return new GraphSpec(role.fileName(), inputs, outputs);
  }

  private static void addDataAndSamples(VaeArchitecture architecture, List<TensorSpec> inputs) {
    inputs.add(matrix(GraphNames.X, architecture.inputDim()));
    addCondition(architecture, inputs);
    for (StochasticLayer layer : architecture.layers()) {
      inputs.add(matrix(GraphNames.sample(layer.name()), layer.latentDim()));
    }
  }

  /** The parameters of a layer's prior, [N, d_l] each, in its family's order. */
  private static void addPriorParameters(StochasticLayer layer, List<TensorSpec> outputs) {
    for (String parameter : layer.family().parameterNames()) {
      outputs.add(matrix(GraphNames.priorParameter(layer.name(), parameter), layer.latentDim()));
    }
  }

  /** condition [N, C] for a conditional architecture, nothing otherwise. */
  private static void addCondition(VaeArchitecture architecture, List<TensorSpec> inputs) {
    if (architecture.conditional()) {
      inputs.add(matrix(GraphNames.CONDITION, architecture.conditionDim()));
    }
  }

  /** [N, width]. */
  private static TensorSpec matrix(String name, long width) {
    return new TensorSpec(name, List.of(DYNAMIC, width));
  }

  /** [N]. */
  private static TensorSpec vector(String name) {
    return new TensorSpec(name, List.of(DYNAMIC));
  }
}
