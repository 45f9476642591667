package io.latentserve.inference.core;

import io.latentserve.bundle.GraphNames;
import io.latentserve.bundle.GraphRole;
import io.latentserve.model.FloatTensor;
import io.latentserve.model.ReferenceVae;
import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link GraphRunner} that evaluates the bundle graphs with {@link ReferenceVae}, the plain-Java
 * double-precision oracle: the implementation the ONNX runner is compared with.
 */
public final class ReferenceGraphRunner implements GraphRunner {
  private final ReferenceVae vae;
  private final VaeArchitecture architecture;
  private final AtomicInteger runs = new AtomicInteger();
  private final int rowAlignment;
  private volatile boolean closed;

  public ReferenceGraphRunner(VaeWeights weights) {
    this(weights, 1);
  }

  /**
   * A runner that asks for {@code rowAlignment}: its results do not depend on placement, so a model
   * must give the same numbers with any alignment (which tests the model's padding).
   */
  public ReferenceGraphRunner(VaeWeights weights, int rowAlignment) {
    this.vae = new ReferenceVae(weights);
    this.architecture = weights.architecture();
    this.rowAlignment = rowAlignment;
  }

  @Override
  public int rowAlignment() {
    return rowAlignment;
  }

  /** Graph runs so far. */
  public int runs() {
    return runs.get();
  }

  @Override
  public Map<String, FloatTensor> run(GraphRole role, Map<String, FloatTensor> inputs) {
    if (closed) {
      throw new ModelUnavailableException("reference runner is closed");
    }
    runs.incrementAndGet();
    List<StochasticLayer> layers = architecture.layers();
    FloatTensor condition = inputs.get(GraphNames.CONDITION);
    Map<String, FloatTensor> out = new LinkedHashMap<>();
    switch (role) {
      case ENCODER -> {
        List<FloatTensor> eps = new ArrayList<>();
        for (StochasticLayer layer : layers) {
          eps.add(inputs.get(GraphNames.eps(layer.name())));
        }
        ReferenceVae.Encoding e = vae.encode(inputs.get(GraphNames.X), condition, eps);
        for (int l = 0; l < layers.size(); l++) {
          String name = layers.get(l).name();
          ReferenceVae.LayerSample layer = e.layers().get(l);
          for (String parameter : layer.family().parameterNames()) {
            out.put(GraphNames.parameter(name, parameter), layer.parameter(parameter));
          }
          out.put(GraphNames.sample(name), layer.sample());
        }
      }
      case DECODER -> {
        List<FloatTensor> eps = new ArrayList<>();
        for (StochasticLayer layer : layers.subList(0, layers.size() - 1)) {
          eps.add(inputs.get(GraphNames.eps(layer.name())));
        }
        FloatTensor top = inputs.get(GraphNames.sample(architecture.top().name()));
        ReferenceVae.Decoding d = vae.decode(top, condition, eps);
        out.put(GraphNames.X_MEAN, d.xMean());
        if (d.xLogVariance() != null) {
          out.put(GraphNames.X_LOGVAR, d.xLogVariance());
        }
        for (int l = 0; l < layers.size() - 1; l++) {
          String name = layers.get(l).name();
          ReferenceVae.LayerSample layer = d.layersBelowTop().get(l);
          for (String parameter : layer.family().parameterNames()) {
            out.put(GraphNames.priorParameter(name, parameter), layer.parameter(parameter));
          }
          out.put(GraphNames.sample(name), layer.sample());
        }
        if (architecture.prior().hasWeights()) {
          // The bundle contract: the top prior's parameters, [N, d_L], whatever the top input
          // holds.
          ReferenceVae.LayerParameters prior = vae.topPrior((int) top.dim(0), condition);
          for (String parameter : prior.family().parameterNames()) {
            out.put(
                GraphNames.priorParameter(architecture.top().name(), parameter),
                prior.parameter(parameter));
          }
        }
      }
      case LOG_JOINT -> {
        ReferenceVae.LogJoint j =
            vae.logJoint(inputs.get(GraphNames.X), condition, samples(inputs));
        out.put(GraphNames.LOG_PX_Z, vector(j.logPxGivenZ()));
        out.put(GraphNames.LOG_PZ, vector(j.logPz()));
        for (int l = 0; l < layers.size(); l++) {
          out.put(GraphNames.logPrior(layers.get(l).name()), vector(j.logPriors().get(l)));
        }
      }
      case LOG_POSTERIOR -> {
        ReferenceVae.LogPosterior p =
            vae.logPosterior(inputs.get(GraphNames.X), condition, samples(inputs));
        out.put(GraphNames.LOG_QZ, vector(p.logQz()));
        for (int l = 0; l < layers.size(); l++) {
          out.put(GraphNames.logPosterior(layers.get(l).name()), vector(p.logPosteriors().get(l)));
        }
      }
      case LOG_WEIGHTS -> {
        List<FloatTensor> eps = new ArrayList<>();
        for (StochasticLayer layer : layers) {
          eps.add(inputs.get(GraphNames.eps(layer.name())));
        }
        ReferenceVae.LogWeights w = vae.logWeights(inputs.get(GraphNames.X), condition, eps);
        out.put(GraphNames.LOG_W, matrix(w.logW()));
        out.put(GraphNames.LOG_PX_Z, matrix(w.logPxGivenZ()));
        out.put(GraphNames.LOG_PZ, matrix(w.logPz()));
        out.put(GraphNames.LOG_QZ, matrix(w.logQz()));
      }
      default -> throw new IllegalArgumentException("unknown role " + role);
    }
    return out;
  }

  private List<FloatTensor> samples(Map<String, FloatTensor> inputs) {
    List<FloatTensor> z = new ArrayList<>();
    for (StochasticLayer layer : architecture.layers()) {
      z.add(inputs.get(GraphNames.sample(layer.name())));
    }
    return z;
  }

  private static FloatTensor vector(double[] values) {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return FloatTensor.of(f, f.length);
  }

  private static FloatTensor matrix(double[][] values) {
    int n = values.length;
    int k = n == 0 ? 0 : values[0].length;
    float[] f = new float[n * k];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < k; j++) {
        f[i * k + j] = (float) values[i][j];
      }
    }
    return FloatTensor.of(f, n, k);
  }

  @Override
  public String device() {
    return "reference";
  }

  @Override
  public void close() {
    closed = true;
  }
}
