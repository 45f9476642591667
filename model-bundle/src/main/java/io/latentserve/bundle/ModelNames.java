package io.latentserve.bundle;

/**
 * The rule for model names, which become folder names in a model repository: 1 to 64 characters of
 * {@code [a-z0-9._-]}, starting with a letter or a digit, never containing {@code ".."}. The rule
 * keeps a name from escaping the repository root, from being hidden (a leading dot marks temporary
 * folders) and from differing only in case on case-insensitive filesystems.
 */
public final class ModelNames {
  /** The longest name allowed, in characters. */
  public static final int MAX_LENGTH = 64;

  private ModelNames() {}

  /**
   * Returns {@code name} if it follows the rule.
   *
   * @throws IllegalArgumentException naming the value and the part of the rule it breaks
   */
  public static String validate(String name) {
    if (name == null) {
      throw new IllegalArgumentException("model name is required, got null");
    }
    if (name.isEmpty() || name.length() > MAX_LENGTH) {
      throw invalid(name, "must be 1-" + MAX_LENGTH + " characters long, has " + name.length());
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!isLowerAlphanumeric(c) && c != '.' && c != '_' && c != '-') {
        throw invalid(name, "may contain only [a-z0-9._-], has '" + c + "' at index " + i);
      }
    }
    if (!isLowerAlphanumeric(name.charAt(0))) {
      throw invalid(name, "must start with a letter or a digit");
    }
    if (name.contains("..")) {
      throw invalid(name, "must not contain \"..\"");
    }
    return name;
  }

  /** Whether {@code name} follows the rule. */
  public static boolean isValid(String name) {
    try {
      validate(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isLowerAlphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  private static IllegalArgumentException invalid(String name, String rule) {
    return new IllegalArgumentException("model name \"" + name + "\" " + rule);
  }
}
