package io.latentserve.model;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How the encoder of a hierarchical VAE factorises q(z|x): the order in which it samples the latent
 * layers and what each layer's encoder network reads. The generative side is the same for every
 * structure: p(z_L) p(z_{L-1}|z_L) ... p(x|z_1), layer 1 next to the data.
 *
 * <p>A structure is a description, not code: the pure-Java reference, the SameDiff graph and the
 * ONNX writer each walk {@link #encodingOrder} and concatenate each layer's {@link #encoderInputs}
 * (then the condition y of a conditional model), so adding a structure means adding an
 * implementation here (and its value in the API's enum), not editing each of them.
 *
 * <p>Structures are values: {@link #all()} lists them and {@link #byName} reads a manifest's name.
 */
public interface InferenceStructure {
  /** The bottom-up chain of the IWAE paper: q(z_1|x) q(z_2|z_1) ... q(z_L|z_{L-1}). */
  InferenceStructure BOTTOM_UP = new BottomUp();

  /**
   * The top-down structure of HIT (Xiao and Bamler 2023): q(z_L|x) q(z_{L-1}|z_L, x) ... q(z_1|z_2,
   * x), each layer below the top reading the data and the sample of the layer above it.
   */
  InferenceStructure TOP_DOWN = new TopDown();

  /** Every structure. */
  static List<InferenceStructure> all() {
    return List.of(BOTTOM_UP, TOP_DOWN);
  }

  /**
   * The structure named {@code name} ({@link #name()}).
   *
   * @throws IllegalArgumentException naming the known structures when there is none
   */
  static InferenceStructure byName(String name) {
    for (InferenceStructure structure : all()) {
      if (structure.name().equals(name)) {
        return structure;
      }
    }
    throw new IllegalArgumentException(
        "unknown inference structure \""
            + name
            + "\", expected one of "
            + all().stream().map(InferenceStructure::name).collect(Collectors.joining(", ")));
  }

  /** The name in manifests and the API: "bottom_up", "top_down". */
  String name();

  /**
   * The layer indices (0 = layer 1, next to the data) in the order the encoder samples them: every
   * layer a layer's encoder reads comes before it.
   */
  List<Integer> encodingOrder(int layerCount);

  /**
   * What the encoder of layer {@code layer} reads, concatenated in this order (then y for a
   * conditional model): the data x and/or samples of other layers.
   */
  List<EncoderInput> encoderInputs(int layer, int layerCount);

  /**
   * Whether the model's KL splits into analytic per-layer terms at sampled parents: KL(q(z|x) ||
   * p(z)) = E_q sum_l KL(q(z_l|.) || p(z_l|z_{l+1})), each term with z_{l+1} already drawn. That
   * holds when every layer's prior parent (the layer above) is sampled before it, as in the
   * top-down structure, and for a single layer; the per-layer rates of HIT need it.
   */
  default boolean layerwiseKl(int layerCount) {
    List<Integer> order = encodingOrder(layerCount);
    for (int l = 0; l < layerCount - 1; l++) {
      if (order.indexOf(l + 1) > order.indexOf(l)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether layer {@code layer}'s encoder reads the data x alone, so that its marginal posterior
   * q(z_l|x) is the encoder's own distribution, exact per example (layer 1 of the bottom-up chain,
   * the top layer of the top-down structure). Every other layer's q(z_l|x) = E[q(z_l|parents, x)]
   * is a mixture over draws of the layers it reads, with no closed-form density or mean; the
   * evaluator estimates the information metrics of the first kind exactly and of the second by
   * Monte Carlo over those draws.
   */
  default boolean conditionedOnDataOnly(int layer, int layerCount) {
    return encoderInputs(layer, layerCount).equals(List.of(EncoderInput.DATA));
  }

  /**
   * Width of the encoder input of {@code layer} without the condition: the sum of the widths of its
   * {@link #encoderInputs}.
   */
  default int encoderInputDim(int layer, int inputDim, List<StochasticLayer> layers) {
    int width = 0;
    for (EncoderInput input : encoderInputs(layer, layers.size())) {
      width += input.data() ? inputDim : layers.get(input.layer()).latentDim();
    }
    return width;
  }

  /**
   * One part of an encoder network's input.
   *
   * @param layer the index of the latent layer whose sample is read, or -1 for the data x
   */
  record EncoderInput(int layer) {
    /** The data x. */
    public static final EncoderInput DATA = new EncoderInput(-1);

    public EncoderInput {
      if (layer < -1) {
        throw new IllegalArgumentException("layer must be >= -1 (-1 for the data), got " + layer);
      }
    }

    /** The sample of latent layer {@code index}. */
    public static EncoderInput latent(int index) {
      return new EncoderInput(index);
    }

    /** Whether this input is the data x. */
    public boolean data() {
      return layer < 0;
    }
  }

  /** q(z_1|x) q(z_2|z_1) ...: layer l reads the sample of layer l-1, layer 1 reads x. */
  record BottomUp() implements InferenceStructure {
    @Override
    public String name() {
      return "bottom_up";
    }

    @Override
    public List<Integer> encodingOrder(int layerCount) {
      List<Integer> order = new ArrayList<>();
      for (int l = 0; l < layerCount; l++) {
        order.add(l);
      }
      return order;
    }

    @Override
    public List<EncoderInput> encoderInputs(int layer, int layerCount) {
      return List.of(layer == 0 ? EncoderInput.DATA : EncoderInput.latent(layer - 1));
    }
  }

  /** q(z_L|x) q(z_{L-1}|z_L, x) ...: the top reads x, every layer below reads [x, z_{l+1}]. */
  record TopDown() implements InferenceStructure {
    @Override
    public String name() {
      return "top_down";
    }

    @Override
    public List<Integer> encodingOrder(int layerCount) {
      List<Integer> order = new ArrayList<>();
      for (int l = layerCount - 1; l >= 0; l--) {
        order.add(l);
      }
      return order;
    }

    @Override
    public List<EncoderInput> encoderInputs(int layer, int layerCount) {
      return layer == layerCount - 1
          ? List.of(EncoderInput.DATA)
          : List.of(EncoderInput.DATA, EncoderInput.latent(layer + 1));
    }
  }
}
