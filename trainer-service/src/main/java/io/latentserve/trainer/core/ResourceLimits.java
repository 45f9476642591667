package io.latentserve.trainer.core;

import io.latentserve.model.StochasticLayer;
import io.latentserve.model.VaeArchitecture;
import java.util.List;
import java.util.Locale;

/**
 * The largest model a trainer accepts: checked at submission, before anything is allocated, so that
 * one job cannot exhaust the process's memory (a SubmitJob with a 2,000,000-wide layer would
 * otherwise allocate gigabytes of weights and end in an OutOfMemoryError). Each limit is a setting
 * of the service; a message names the spec's field, its value, the limit and the setting's flag.
 *
 * <p><b>Activation memory of one step</b>, the estimate checked against {@link #maxStepBytes}:
 *
 * <pre>
 *   bytes = batch_size x k x A x 4 bytes x 2
 *   A     = sum over stochastic layers l of
 *             (sum of l's encoder hidden widths) + P_l x d_l + d_l
 *           + (sum of l's decoder hidden widths) + H_l x D_l
 * </pre>
 *
 * where k is the objective's importance samples, d_l layer l's latent size, P_l its family's
 * parameter count (a Gaussian's mean and log variance: 2), H_l and D_l the heads and width of its
 * decoder's output ({@link VaeArchitecture#decoderHeadCount}, {@link
 * VaeArchitecture#decoderOutputDim}); float32 values, kept once for the forward pass and once for
 * their gradients. Every network is counted at batch_size x k rows, though layer 1's encoder runs
 * on batch_size rows: an upper estimate. The weights, their gradients and Adam's two moments (16
 * bytes per parameter) are bounded by {@link #maxParameters} instead.
 *
 * @param maxLatentDim largest latent size d_l of a stochastic layer
 * @param maxHiddenWidth largest width of a hidden layer
 * @param maxLayers most stochastic layers
 * @param maxHiddenLayers most hidden layers in one stochastic layer's network
 * @param maxParameters most trainable parameters ({@link VaeArchitecture#parameterCount()})
 * @param maxStepBytes largest estimated activation memory of one step, bytes
 */
public record ResourceLimits(
    int maxLatentDim,
    int maxHiddenWidth,
    int maxLayers,
    int maxHiddenLayers,
    long maxParameters,
    long maxStepBytes) {

  /** The flags of the service's settings, named in messages so that a user knows what to raise. */
  public static final String FLAG_MAX_LATENT_DIM = "--max-latent-dim";

  public static final String FLAG_MAX_HIDDEN_WIDTH = "--max-hidden-width";
  public static final String FLAG_MAX_LAYERS = "--max-layers";
  public static final String FLAG_MAX_HIDDEN_LAYERS = "--max-hidden-layers";
  public static final String FLAG_MAX_PARAMETERS = "--max-parameters";
  public static final String FLAG_MAX_STEP_MEMORY = "--max-step-memory";

  /** Bytes per activation value in the estimate: float32, plus its gradient. */
  static final long BYTES_PER_ACTIVATION = 4 * 2;

  public ResourceLimits {
    for (long v :
        new long[] {
          maxLatentDim, maxHiddenWidth, maxLayers, maxHiddenLayers, maxParameters, maxStepBytes
        }) {
      if (v < 1) {
        throw new IllegalArgumentException("resource limits must be >= 1, got " + v);
      }
    }
  }

  /**
   * 4096 latent units, 65,536-wide hidden layers, 8 stochastic layers of at most 16 hidden layers
   * each, 50 M parameters, 4 GiB of activations per step.
   */
  public static ResourceLimits defaults() {
    return new ResourceLimits(4096, 65_536, 8, 16, 50_000_000L, 4L << 30);
  }

  /**
   * Checks a spec against every limit, the shape first (so that the counts below are of a shape
   * within bounds), then the parameters, then one step's activation memory.
   *
   * @throws SpecTooLargeException naming the first field over its limit
   */
  public void check(TrainingSpec spec) {
    VaeArchitecture a = spec.architecture();
    String layersField = "spec.architecture.layers";
    if (a.layerCount() > maxLayers) {
      throw new SpecTooLargeException(
          layersField,
          layersField
              + " has "
              + a.layerCount()
              + " stochastic layers, more than the limit "
              + maxLayers
              + " ("
              + FLAG_MAX_LAYERS
              + ")");
    }
    for (int l = 0; l < a.layerCount(); l++) {
      StochasticLayer layer = a.layer(l);
      String field = layersField + "[" + l + "]";
      if (layer.latentDim() > maxLatentDim) {
        throw over(field + ".latent_dim", layer.latentDim(), maxLatentDim, FLAG_MAX_LATENT_DIM);
      }
      List<Integer> hidden = layer.hidden();
      if (hidden.size() > maxHiddenLayers) {
        throw new SpecTooLargeException(
            field + ".hidden",
            field
                + ".hidden has "
                + hidden.size()
                + " hidden layers, more than the limit "
                + maxHiddenLayers
                + " ("
                + FLAG_MAX_HIDDEN_LAYERS
                + ")");
      }
      for (int h = 0; h < hidden.size(); h++) {
        if (hidden.get(h) > maxHiddenWidth) {
          throw over(
              field + ".hidden[" + h + "]", hidden.get(h), maxHiddenWidth, FLAG_MAX_HIDDEN_WIDTH);
        }
      }
    }
    long parameters = a.parameterCount();
    if (parameters > maxParameters) {
      throw new SpecTooLargeException(
          "spec.architecture",
          "spec.architecture has "
              + parameters
              + " parameters, more than the limit "
              + maxParameters
              + " ("
              + FLAG_MAX_PARAMETERS
              + ")");
    }
    long bytes = stepActivationBytes(spec);
    if (bytes > maxStepBytes) {
      throw new SpecTooLargeException(
          "spec.optimizer.batch_size",
          String.format(
              Locale.ROOT,
              "one step of spec.optimizer.batch_size %d x %d samples x %d activations x %d bytes"
                  + " needs %s, more than the limit %s (%s)",
              spec.batchSize(),
              spec.objective().samples(),
              activationsPerRow(a),
              BYTES_PER_ACTIVATION,
              size(bytes),
              size(maxStepBytes),
              FLAG_MAX_STEP_MEMORY));
    }
  }

  /** The estimate of one step's activation memory, bytes (see the class comment). */
  public static long stepActivationBytes(TrainingSpec spec) {
    long rows = spec.rowsPerStep();
    long perRow = activationsPerRow(spec.architecture());
    return saturatedProduct(rows, perRow, BYTES_PER_ACTIVATION);
  }

  /** A in the class comment: the activations of one importance-sample row. */
  static long activationsPerRow(VaeArchitecture a) {
    long total = 0;
    for (int l = 0; l < a.layerCount(); l++) {
      StochasticLayer layer = a.layer(l);
      long hidden = 0;
      for (int h : layer.hidden()) {
        hidden += h;
      }
      long d = layer.latentDim();
      total += hidden + (long) layer.family().parameterCount() * d + d;
      total += hidden + (long) a.decoderHeadCount(l) * a.decoderOutputDim(l);
    }
    return total;
  }

  private static long saturatedProduct(long... factors) {
    long p = 1;
    for (long f : factors) {
      if (f != 0 && p > Long.MAX_VALUE / f) {
        return Long.MAX_VALUE;
      }
      p *= f;
    }
    return p;
  }

  private static SpecTooLargeException over(String field, long value, long limit, String flag) {
    return new SpecTooLargeException(
        field, field + " = " + value + " exceeds the limit " + limit + " (" + flag + ")");
  }

  /** Bytes as a person reads them: 4GiB, 512MiB, 1.5GiB, 1234 bytes. */
  static String size(long bytes) {
    String[] units = {"GiB", "MiB", "KiB"};
    long[] scales = {1L << 30, 1L << 20, 1L << 10};
    for (int i = 0; i < units.length; i++) {
      if (bytes >= scales[i]) {
        double v = (double) bytes / scales[i];
        return v == Math.rint(v)
            ? (long) v + units[i]
            : String.format(Locale.ROOT, "%.1f%s", v, units[i]);
      }
    }
    return bytes + " bytes";
  }
}
