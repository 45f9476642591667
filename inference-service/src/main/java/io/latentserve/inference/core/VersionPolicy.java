package io.latentserve.inference.core;

import java.util.Collection;
import java.util.Locale;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which of a model's complete versions a replica serves, as in Triton's version policies.
 *
 * <p>Written {@code latest N} (the N highest versions; {@code latest} alone is {@code latest 1}),
 * {@code all}, or {@code specific V1 V2 ...} (exactly those that exist). The same text is read from
 * the {@value #FILE_NAME} file beside a model's versions and from the server's configuration.
 */
public sealed interface VersionPolicy {
  /** The file, in a model's folder of the repository, that holds the model's policy. */
  String FILE_NAME = "version_policy";

  /** The default: serve the highest version only. */
  VersionPolicy DEFAULT = new Latest(1);

  /**
   * The versions to serve among {@code candidates} (the complete versions that have not failed to
   * load), ascending.
   */
  SortedSet<Long> select(Collection<Long> candidates);

  /** The N highest versions. */
  record Latest(int count) implements VersionPolicy {
    public Latest {
      if (count < 1) {
        throw new IllegalArgumentException("latest N needs N >= 1, got " + count);
      }
    }

    @Override
    public SortedSet<Long> select(Collection<Long> candidates) {
      NavigableSet<Long> sorted = new TreeSet<>(candidates);
      TreeSet<Long> chosen = new TreeSet<>();
      for (Long v : sorted.descendingSet()) {
        if (chosen.size() == count) {
          break;
        }
        chosen.add(v);
      }
      return chosen;
    }

    @Override
    public String toString() {
      return "latest " + count;
    }
  }

  /** Every version. */
  record All() implements VersionPolicy {
    @Override
    public SortedSet<Long> select(Collection<Long> candidates) {
      return new TreeSet<>(candidates);
    }

    @Override
    public String toString() {
      return "all";
    }
  }

  /** Exactly the listed versions that exist. */
  record Specific(SortedSet<Long> versions) implements VersionPolicy {
    public Specific {
      if (versions.isEmpty()) {
        throw new IllegalArgumentException("specific needs at least one version");
      }
      for (long v : versions) {
        if (v < 1) {
          throw new IllegalArgumentException("specific versions must be >= 1, got " + v);
        }
      }
      versions = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(versions));
    }

    @Override
    public SortedSet<Long> select(Collection<Long> candidates) {
      TreeSet<Long> chosen = new TreeSet<>(candidates);
      chosen.retainAll(versions);
      return chosen;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("specific");
      versions.forEach(v -> sb.append(' ').append(v));
      return sb.toString();
    }
  }

  /**
   * Parses {@code latest}, {@code latest N}, {@code all} or {@code specific V1 V2 ...}
   * (case-insensitive; versions separated by spaces or commas; {@code #} starts a comment).
   *
   * @throws IllegalArgumentException naming the expected forms and the text given
   */
  static VersionPolicy parse(String text) {
    Objects.requireNonNull(text, "text");
    StringBuilder body = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      int hash = line.indexOf('#');
      body.append(hash < 0 ? line : line.substring(0, hash)).append(' ');
    }
    String[] words = body.toString().trim().toLowerCase(Locale.ROOT).split("[\\s,]+");
    try {
      switch (words[0]) {
        case "latest":
          if (words.length == 1) {
            return DEFAULT;
          }
          if (words.length == 2) {
            return new Latest(Integer.parseInt(words[1]));
          }
          break;
        case "all":
          if (words.length == 1) {
            return new All();
          }
          break;
        case "specific":
          if (words.length > 1) {
            TreeSet<Long> versions = new TreeSet<>();
            for (int i = 1; i < words.length; i++) {
              versions.add(Long.parseLong(words[i]));
            }
            return new Specific(versions);
          }
          break;
        default:
          break;
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "version policy must be `latest N`, `all` or `specific V1 V2 ...` with N, V >= 1, got \""
              + text.trim()
              + "\"",
          e);
    }
    throw new IllegalArgumentException(
        "version policy must be `latest N`, `all` or `specific V1 V2 ...`, got \""
            + text.trim()
            + "\"");
  }
}
