package io.latentserve.datasets;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The element types of the IDX format (third magic byte), with their size in bytes. */
public enum IdxType {
  UNSIGNED_BYTE(0x08, 1, "unsigned byte"),
  SIGNED_BYTE(0x09, 1, "signed byte"),
  SHORT(0x0B, 2, "int16"),
  INT(0x0C, 4, "int32"),
  FLOAT(0x0D, 4, "float32"),
  DOUBLE(0x0E, 8, "float64");

  private final int code;
  private final int size;
  private final String label;

  IdxType(int code, int size, String label) {
    this.code = code;
    this.size = size;
    this.label = label;
  }

  /** The type byte as written in the magic number. */
  public int code() {
    return code;
  }

  /** Bytes per element (big-endian in the file). */
  public int size() {
    return size;
  }

  /**
   * The type with the given code.
   *
   * @throws IllegalArgumentException naming the known codes when {@code code} is not one of them
   */
  public static IdxType fromCode(int code) {
    for (IdxType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        String.format(
            "unknown IDX data type 0x%02X, expected one of %s",
            code,
            Arrays.stream(values())
                .map(t -> String.format("0x%02X (%s)", t.code, t.label))
                .collect(Collectors.joining(", "))));
  }

  @Override
  public String toString() {
    return label;
  }
}
