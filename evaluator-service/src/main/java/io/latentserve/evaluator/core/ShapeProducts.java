package io.latentserve.evaluator.core;

import java.util.Arrays;

/**
 * Products of shape dimensions in 64 bits. A request's dimensions are 64-bit integers from the
 * wire: multiplied as Java ints or unchecked longs, {@code [2^32, 2^32]} wraps around to 0 elements
 * and passes a size check it should fail. Here an overflowing product saturates at {@link
 * Long#MAX_VALUE}, which every limit refuses.
 */
public final class ShapeProducts {
  /** Most elements of one Java array that this service allocates (a JVM's practical maximum). */
  public static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

  private ShapeProducts() {}

  /**
   * The product of non-negative {@code factors}, or {@link Long#MAX_VALUE} when it does not fit in
   * 64 bits.
   *
   * @throws IllegalArgumentException for a negative factor (a caller's check is missing)
   */
  public static long product(long... factors) {
    long product = 1;
    for (long f : factors) {
      if (f < 0) {
        throw new IllegalArgumentException(
            "negative factor " + f + " in " + Arrays.toString(factors));
      }
      long hi = Math.multiplyHigh(product, f);
      long lo = product * f;
      product = hi == 0 && lo >= 0 ? lo : Long.MAX_VALUE;
    }
    return product;
  }

  /** A product for a message: its value, or "more than 2^63 - 1" where it saturated. */
  public static String text(long product) {
    return product == Long.MAX_VALUE ? "more than 2^63 - 1" : String.valueOf(product);
  }

  /**
   * The size of an array of {@code factors} elements, checked to fit in one array.
   *
   * @param what the request field and what the product counts, for the message, e.g. {@code
   *     "inline_data rows x latent units of layer z1"}
   * @throws InvalidEvaluationException naming {@code what}, the factors and the limit
   */
  public static int arraySize(String what, long... factors) {
    long product = product(factors);
    if (product > MAX_ARRAY_ELEMENTS) {
      StringBuilder terms = new StringBuilder();
      for (long f : factors) {
        terms.append(terms.length() == 0 ? "" : " * ").append(f);
      }
      throw new InvalidEvaluationException(
          what
              + " is "
              + terms
              + " = "
              + text(product)
              + ", at most "
              + MAX_ARRAY_ELEMENTS
              + " fit in one evaluation");
    }
    return (int) product;
  }
}
