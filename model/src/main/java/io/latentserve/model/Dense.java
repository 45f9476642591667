package io.latentserve.model;

/**
 * An affine map y = x W + b. A map with {@code in = 0} reads nothing: it is the learned constant b
 * (the parameters of a {@link Prior#LEARNED} prior).
 *
 * @param weight [in, out] row-major
 * @param bias [out]
 */
public record Dense(int in, int out, float[] weight, float[] bias) {
  public Dense {
    if (in < 0 || out <= 0) {
      throw new IllegalArgumentException(
          "dense layer sizes must be in >= 0 and out > 0, got " + in + "x" + out);
    }
    if (weight.length != (long) in * out) {
      throw new IllegalArgumentException(
          "weight of a "
              + in
              + "x"
              + out
              + " layer needs "
              + in * out
              + " values, got "
              + weight.length);
    }
    if (bias.length != out) {
      throw new IllegalArgumentException("bias needs " + out + " values, got " + bias.length);
    }
    weight = weight.clone();
    bias = bias.clone();
  }

  @Override
  public float[] weight() {
    return weight.clone();
  }

  @Override
  public float[] bias() {
    return bias.clone();
  }
}
