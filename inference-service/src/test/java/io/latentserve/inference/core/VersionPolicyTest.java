package io.latentserve.inference.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VersionPolicyTest {
  private static final List<Long> VERSIONS = List.of(1L, 2L, 5L, 9L);

  @Test
  void parse_latestAllSpecific_selectAsTriton() {
    assertThat(VersionPolicy.parse("latest").select(VERSIONS)).containsExactly(9L);
    assertThat(VersionPolicy.parse("latest 2").select(VERSIONS)).containsExactly(5L, 9L);
    assertThat(VersionPolicy.parse("LATEST 9").select(VERSIONS)).containsExactly(1L, 2L, 5L, 9L);
    assertThat(VersionPolicy.parse("all").select(VERSIONS)).containsExactly(1L, 2L, 5L, 9L);
    assertThat(VersionPolicy.parse("specific 2, 3 9").select(VERSIONS)).containsExactly(2L, 9L);
    assertThat(VersionPolicy.parse("specific 3").select(VERSIONS)).isEmpty();
  }

  @Test
  void parse_fileWithCommentsAndNewlines_readsThePolicy() {
    VersionPolicy p = VersionPolicy.parse("# the sweep's two best\nspecific 1\n 5\n");

    assertThat(p).isEqualTo(new VersionPolicy.Specific(new TreeSet<>(List.of(1L, 5L))));
    assertThat(p.toString()).isEqualTo("specific 1 5");
    assertThat(VersionPolicy.parse(p.toString())).isEqualTo(p);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "newest", "latest 0", "latest two", "all 3", "specific", "specific 0"})
  void parse_invalid_namesTheFormsAndTheText(String text) {
    assertThatThrownBy(() -> VersionPolicy.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version policy must be `latest N`, `all` or `specific V1 V2 ...`")
        .hasMessageEndingWith("got \"" + text.trim() + "\"");
  }
}
