package io.latentserve.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"mnist", "mnist-vae.v2_1", "0", "7up", "a.b-c_d"})
  void validate_validName_returnsIt(String name) {
    assertThat(ModelNames.validate(name)).isEqualTo(name);
    assertThat(ModelNames.isValid(name)).isTrue();
  }

  @Test
  void validate_sixtyFourCharacters_returnsIt() {
    String name = "m".repeat(64);

    assertThat(ModelNames.validate(name)).isEqualTo(name);
  }

  static Stream<Arguments> invalidNames() {
    return Stream.of(
        Arguments.of("", "must be 1-64 characters long, has 0"),
        Arguments.of("m".repeat(65), "must be 1-64 characters long, has 65"),
        Arguments.of("A", "may contain only [a-z0-9._-], has 'A' at index 0"),
        Arguments.of("../x", "may contain only [a-z0-9._-], has '/' at index 2"),
        Arguments.of("..", "must start with a letter or a digit"),
        Arguments.of("a/../x", "may contain only [a-z0-9._-], has '/' at index 1"),
        Arguments.of("a..b", "must not contain \"..\""),
        Arguments.of(".hidden", "must start with a letter or a digit"),
        Arguments.of("-rf", "must start with a letter or a digit"),
        Arguments.of("my model", "may contain only [a-z0-9._-], has ' ' at index 2"),
        Arguments.of("a\\b", "may contain only [a-z0-9._-], has '\\' at index 1"));
  }

  @ParameterizedTest
  @MethodSource("invalidNames")
  void validate_invalidName_throwsNamingValueAndRule(String name, String rule) {
    assertThatThrownBy(() -> ModelNames.validate(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model name \"" + name + "\" " + rule);
    assertThat(ModelNames.isValid(name)).isFalse();
  }

  @Test
  void validate_null_throws() {
    assertThatThrownBy(() -> ModelNames.validate(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model name is required, got null");
  }
}
