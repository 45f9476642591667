package io.latentserve.trainer.core.dvae;

import io.latentserve.model.Dense;
import io.latentserve.model.GaussianMlp;
import io.latentserve.model.Rbm;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * The starting point of a DVAE-family model, as the original code sets it up: the encoder reads x -
 * mean_x, the decoder's logits get the bias logit(mean_x), and the RBM prior starts at zero. The
 * exported networks are plain affine maps, so both are folded into the first layer's bias of the
 * encoder (b - mean_x W) and the output bias of the decoder (+ logit(mean_x)), which then train
 * with the rest (the original holds the decoder's bias fixed; the function class is the same).
 */
public final class DvaeInitialization {
  /** mean_x is clipped to [CLIP, 1 - CLIP] before its logit, so constant pixels stay finite. */
  public static final double CLIP = 1e-3;

  private DvaeInitialization() {}

  /**
   * {@code random} with the centering, the decoder bias and a zero RBM.
   *
   * @param meanX the training split's mean of each feature [D], in [0, 1]
   */
  public static VaeWeights initial(VaeWeights random, float[] meanX) {
    VaeArchitecture architecture = random.architecture();
    if (meanX.length != architecture.inputDim()) {
      throw new IllegalArgumentException(
          "meanX has " + meanX.length + " values, the model " + architecture.inputDim());
    }
    List<GaussianMlp> encoders = new ArrayList<>(random.encoders());
    GaussianMlp encoder = encoders.get(0);
    if (encoder.hidden().isEmpty()) {
      encoders.set(
          0, new GaussianMlp(List.of(), centered(encoder.mean(), meanX), encoder.logVariance()));
    } else {
      List<Dense> hidden = new ArrayList<>(encoder.hidden());
      hidden.set(0, centered(hidden.get(0), meanX));
      encoders.set(0, new GaussianMlp(hidden, encoder.mean(), encoder.logVariance()));
    }
    List<GaussianMlp> decoders = new ArrayList<>(random.decoders());
    GaussianMlp decoder = decoders.get(0);
    Dense head = decoder.mean();
    float[] bias = head.bias();
    for (int f = 0; f < bias.length; f++) {
      double m = Math.min(1 - CLIP, Math.max(CLIP, meanX[f]));
      bias[f] += (float) Math.log(m / (1 - m));
    }
    decoders.set(
        0,
        new GaussianMlp(
            decoder.hidden(),
            new Dense(head.in(), head.out(), head.weight(), bias),
            decoder.logVariance()));
    int units = architecture.rbmUnits();
    int n1 = architecture.rbmFirstHalf();
    return new VaeWeights(
        architecture, encoders, decoders, random.prior(), Rbm.zeros(n1, units - n1), null);
  }

  /** The dense layer of (x - m) W + b: bias b - m W. */
  private static Dense centered(Dense dense, float[] m) {
    float[] w = dense.weight();
    float[] b = dense.bias();
    for (int i = 0; i < dense.in(); i++) {
      for (int j = 0; j < dense.out(); j++) {
        b[j] -= m[i] * w[i * dense.out() + j];
      }
    }
    return new Dense(dense.in(), dense.out(), w, b);
  }
}
