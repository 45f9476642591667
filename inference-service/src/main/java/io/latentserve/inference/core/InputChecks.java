package io.latentserve.inference.core;

import io.latentserve.model.FloatTensor;
import io.latentserve.model.LatentFamily;
import io.latentserve.model.StochasticLayer;
import java.util.Arrays;

/** Validation of request tensors and numbers, with messages that name field, expected, actual. */
final class InputChecks {
  private InputChecks() {}

  /**
   * Checks a [N, width] matrix: rank, width, at least one row, at most {@code maxRows} rows, every
   * value finite.
   *
   * @param field request field, e.g. "x"
   * @param what name of axis 1 in messages, e.g. "features" or "columns"
   * @param model the model, for messages
   * @return N
   */
  static int matrix(
      String field, FloatTensor t, long width, String what, ModelId model, int maxRows) {
    if (t == null) {
      throw new InvalidInputException(field, field + " is required");
    }
    if (t.rank() != 2) {
      throw new InvalidInputException(
          field,
          field
              + " must have rank 2 [N, "
              + width
              + "], got rank "
              + t.rank()
              + " shape "
              + Arrays.toString(t.shape()));
    }
    if (t.dim(1) != width) {
      throw new InvalidInputException(
          field,
          field + " has " + t.dim(1) + " " + what + ", model " + model + " expects " + width);
    }
    long rows = t.dim(0);
    if (rows == 0) {
      throw new InvalidInputException(field, field + " has 0 rows, at least 1 is required");
    }
    if (rows > maxRows) {
      throw new LimitExceededException(
          field, maxRows, rows, field + " has " + rows + " rows, the limit is " + maxRows);
    }
    finite(field, t);
    return (int) rows;
  }

  /**
   * Checks the condition y of a request against the model: required [rows, C] with finite values
   * for a conditional model, absent for an unconditional one.
   *
   * @param condition y, or null when the request has none
   * @param conditionDim the model's C, 0 when unconditional
   * @param rows the rows y must have
   * @param rowsOf what fixes {@code rows} in messages, e.g. "x has 4" or "n is 4"
   */
  static void condition(
      FloatTensor condition, int conditionDim, ModelId model, int rows, String rowsOf) {
    String field = "condition";
    if (conditionDim == 0) {
      if (condition != null) {
        throw new InvalidInputException(
            field,
            "condition is present, but model "
                + model
                + " is unconditional (condition_dim 0): leave it unset");
      }
      return;
    }
    if (condition == null) {
      throw new InvalidInputException(
          field,
          "condition is missing, model "
              + model
              + " is conditional and expects a tensor ["
              + rows
              + ", "
              + conditionDim
              + "] with one row per row");
    }
    int actual = matrix(field, condition, conditionDim, "columns", model, Integer.MAX_VALUE);
    if (actual != rows) {
      throw new InvalidInputException(
          field,
          "condition has " + actual + " rows, " + rowsOf + ": they must match (one row per row)");
    }
  }

  /** Throws for the first NaN or infinite value, naming its row and column. */
  static void finite(String field, FloatTensor t) {
    float[] data = t.data();
    for (int i = 0; i < data.length; i++) {
      float v = data[i];
      if (!Float.isFinite(v)) {
        int width = t.rowSize();
        throw new InvalidInputException(
            field,
            field
                + "["
                + i / width
                + ", "
                + i % width
                + "] is "
                + v
                + ": every value must be finite");
      }
    }
  }

  /**
   * Throws for the first value of a layer's z outside its family's support (a Bernoulli unit that
   * is not exactly 0 or 1), naming the field, the layer, the value and its [row, unit]; call after
   * {@link #matrix}, which has checked the shape and that every value is finite.
   */
  static void support(String field, FloatTensor z, StochasticLayer layer) {
    LatentFamily family = layer.family();
    float[] data = z.data();
    int width = layer.latentDim();
    for (int i = 0; i < data.length; i++) {
      if (!family.inSupport(data[i])) {
        throw new InvalidInputException(
            field,
            field
                + " (layer "
                + layer.name()
                + ", "
                + family.name()
                + ") must be "
                + family.support()
                + ", got "
                + data[i]
                + " at ["
                + i / width
                + ", "
                + i % width
                + "]");
      }
    }
  }

  /** A count such as n or k: >= 1, and at most {@code limit}. */
  static void count(String field, long value, int limit) {
    if (value < 1) {
      throw new InvalidInputException(field, field + " must be >= 1, got " + value);
    }
    if (value > limit) {
      throw new LimitExceededException(
          field, limit, value, field + " is " + value + ", the limit is " + limit);
    }
  }

  /** first_row >= 0 and first_row + rows representable. */
  static void firstRow(long firstRow, int rows) {
    if (firstRow < 0) {
      throw new InvalidInputException("first_row", "first_row must be >= 0, got " + firstRow);
    }
    if (firstRow > Long.MAX_VALUE - rows) {
      throw new InvalidInputException(
          "first_row",
          "first_row + rows must fit in int64, got first_row "
              + firstRow
              + " and "
              + rows
              + " rows");
    }
  }
}
