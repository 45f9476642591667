package io.latentserve.bundle.onnx;

import io.latentserve.model.LogPartition;
import io.latentserve.model.Rbm;
import java.util.List;
import org.tribuo.util.onnx.ONNXRef;

/**
 * The log prior of an {@link io.latentserve.model.Prior#RBM} model as graph nodes: log p(z) = -E(z)
 * - log Z = b1.z1 + b2.z2 + z1 W z2 - log Z, with z = concat of every layer's sample along the
 * feature axis, z1 its first n1 columns and z2 the rest. The RBM's parameters are initializers
 * whose names start with {@link #B} (b = concat(b1, b2) [n1 + n2]) and {@link #W} (W flat [n1 * n2]
 * row-major), read back by {@link RbmInitializers}; log Z is a constant of the graph, the
 * manifest's estimate ({@code rbmPrior.logZ}), so a bundle's graphs and manifest always agree.
 */
final class RbmOnnx {
  /** Initializer name prefix of concat(b1, b2) [n1 + n2]. */
  static final String B = "rbm_b";

  /** Initializer name prefix of W, stored flat [n1 * n2] row-major and reshaped in the graph. */
  static final String W = "rbm_w";

  private RbmOnnx() {}

  /**
   * log p(z) [rows] of samples z_l [rows, d_l] (bottom-up).
   *
   * @param logPartition the log Z the graph subtracts
   */
  static ONNXRef<?> logPrior(
      OnnxGraphBuilder g, Rbm rbm, LogPartition logPartition, List<ONNXRef<?>> z, String name) {
    ONNXRef<?> all = z.get(0);
    for (int l = 1; l < z.size(); l++) {
      all = g.concatColumns(all, z.get(l), name + "/concat" + l);
    }
    int n1 = rbm.n1();
    int n = rbm.units();
    float[] b = new float[n];
    System.arraycopy(rbm.b1(), 0, b, 0, n1);
    System.arraycopy(rbm.b2(), 0, b, n1, rbm.n2());
    ONNXRef<?> linear = g.matMul(all, g.floats(b, B), name + "/linear");
    ONNXRef<?> w = g.reshape(g.floats(rbm.w(), W), new long[] {n1, rbm.n2()}, name + "/w");
    ONNXRef<?> z1 = g.columns(all, 0, n1, name + "/z1");
    ONNXRef<?> z2 = g.columns(all, n1, n, name + "/z2");
    ONNXRef<?> coupling =
        g.sumLastAxis(
            g.mul(g.matMul(z1, w, name + "/z1w"), z2, name + "/z1wz2"), name + "/coupling");
    ONNXRef<?> negativeEnergy = g.add(linear, coupling, name + "/negative_energy");
    return g.add(negativeEnergy, (float) -logPartition.logZ(), name);
  }
}
