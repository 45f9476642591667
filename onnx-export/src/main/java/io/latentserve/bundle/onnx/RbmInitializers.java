package io.latentserve.bundle.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import io.latentserve.model.Rbm;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads an RBM prior's parameters back from a bundle's log-joint graph, where {@link RbmOnnx} wrote
 * them as initializers: the bundle keeps them in one place, the graph that computes log p(z), and
 * the server's Gibbs sampler reads the same numbers the graph multiplies.
 */
public final class RbmInitializers {
  private RbmInitializers() {}

  /**
   * The RBM in a serialized log-joint (or log-weights) graph.
   *
   * @param n1 the size of the first half, {@code VaeArchitecture.rbmFirstHalf()}
   * @throws IllegalArgumentException when the graph holds no RBM parameters of matching sizes
   */
  public static Rbm read(byte[] graph, int n1) {
    OnnxMl.ModelProto model;
    try {
      model = OnnxMl.ModelProto.parseFrom(graph);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("the graph is not an ONNX model: " + e.getMessage(), e);
    }
    float[] b = null;
    float[] w = null;
    for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
      if (t.getName().startsWith(RbmOnnx.W)) {
        w = floats(t);
      } else if (t.getName().startsWith(RbmOnnx.B)) {
        b = floats(t);
      }
    }
    if (b == null || w == null) {
      throw new IllegalArgumentException(
          "the graph has no RBM initializers " + RbmOnnx.B + "* and " + RbmOnnx.W + "*");
    }
    if (n1 <= 0 || n1 >= b.length) {
      throw new IllegalArgumentException(
          "n1 must be in [1, " + (b.length - 1) + "] for an RBM of " + b.length + " units");
    }
    float[] b1 = new float[n1];
    float[] b2 = new float[b.length - n1];
    System.arraycopy(b, 0, b1, 0, n1);
    System.arraycopy(b, n1, b2, 0, b2.length);
    return new Rbm(b1, b2, w);
  }

  private static float[] floats(OnnxMl.TensorProto t) {
    if (t.getFloatDataCount() > 0) {
      float[] out = new float[t.getFloatDataCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = t.getFloatData(i);
      }
      return out;
    }
    ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[raw.remaining() / Float.BYTES];
    raw.asFloatBuffer().get(out);
    return out;
  }
}
