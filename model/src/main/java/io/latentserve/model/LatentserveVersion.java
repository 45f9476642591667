package io.latentserve.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The latentserve version this code was built as, recorded in every bundle's provenance. */
public final class LatentserveVersion {
  private static final String VERSION = load();

  private LatentserveVersion() {}

  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = LatentserveVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
