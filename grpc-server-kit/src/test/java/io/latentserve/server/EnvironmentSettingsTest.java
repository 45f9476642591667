package io.latentserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironmentSettingsTest {

  @Test
  void read_absentOrBlank_leavesTheDefault() {
    List<Object> set = new ArrayList<>();

    EnvironmentSettings.of(Map.of("BLANK", "  "))
        .readInt("ABSENT", set::add)
        .readInt("BLANK", set::add)
        .readString("BLANK", set::add);

    assertThat(set).isEmpty();
  }

  @Test
  void read_everyType_parsesTheTrimmedValue() {
    Map<String, String> env =
        Map.of(
            "INT", " 42 ",
            "BOOL", "Off",
            "DURATION", "5s",
            "BYTES", "64MiB",
            "PATH", "/srv/models",
            "STRING", " dns:///inference:50051 ");
    List<Object> set = new ArrayList<>();

    EnvironmentSettings.of(env)
        .readInt("INT", set::add)
        .readBoolean("BOOL", set::add)
        .readDuration("DURATION", set::add)
        .readBytes("BYTES", set::add)
        .readPath("PATH", set::add)
        .readString("STRING", set::add);

    assertThat(set)
        .containsExactly(
            42,
            false,
            Duration.ofSeconds(5),
            64 << 20,
            Path.of("/srv/models"),
            "dns:///inference:50051");
  }

  @Test
  void read_unparsableValue_namesVariableValueAndReason() {
    EnvironmentSettings settings = EnvironmentSettings.of(Map.of("LATENTSERVE_PORT", "abc"));

    assertThatThrownBy(() -> settings.readInt("LATENTSERVE_PORT", v -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("LATENTSERVE_PORT=\"abc\" is not valid: expected an integer");
  }

  @Test
  void read_parserThrowsAnyRuntimeException_wrapsItNamingTheVariable() {
    EnvironmentSettings settings = EnvironmentSettings.of(Map.of("X", "1"));

    assertThatThrownBy(
            () ->
                settings.read(
                    "X",
                    s -> {
                      throw new IllegalStateException("broken");
                    },
                    v -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("X=\"1\" is not valid: broken")
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void build_invalidResult_saysItCameFromTheEnvironment() {
    EnvironmentSettings settings = EnvironmentSettings.of(Map.of());

    assertThatThrownBy(
            () ->
                settings.build(
                    () -> {
                      throw new IllegalArgumentException("port must be in [0, 65535], got -1");
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "invalid configuration (flags or environment): port must be in [0, 65535], got -1");
    assertThat(settings.build(() -> "built")).isEqualTo("built");
  }

  @Test
  void parseInt_notAnInteger_throws() {
    assertThat(EnvironmentSettings.parseInt("-7")).isEqualTo(-7);
    assertThatThrownBy(() -> EnvironmentSettings.parseInt("1.5")).hasMessage("expected an integer");
    assertThatThrownBy(() -> EnvironmentSettings.parseInt("3000000000"))
        .hasMessage("expected an integer");
  }

  @Test
  void parseBoolean_wordsInAnyCase_parse() {
    for (String t : List.of("true", "TRUE", "1", "yes", "On")) {
      assertThat(EnvironmentSettings.parseBoolean(t)).as(t).isTrue();
    }
    for (String f : List.of("false", "False", "0", "no", "OFF")) {
      assertThat(EnvironmentSettings.parseBoolean(f)).as(f).isFalse();
    }
    assertThatThrownBy(() -> EnvironmentSettings.parseBoolean("maybe"))
        .hasMessage("expected true or false");
  }

  @Test
  void parseDuration_simpleAndIsoForms_parse() {
    assertThat(EnvironmentSettings.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(EnvironmentSettings.parseDuration("5S")).isEqualTo(Duration.ofSeconds(5));
    assertThat(EnvironmentSettings.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(EnvironmentSettings.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(EnvironmentSettings.parseDuration("PT0.5S")).isEqualTo(Duration.ofMillis(500));
    assertThatThrownBy(() -> EnvironmentSettings.parseDuration("soon"))
        .hasMessageContaining("expected a duration like 250ms");
  }

  @Test
  void parseBytes_suffixes_scale() {
    assertThat(EnvironmentSettings.parseBytes("1024")).isEqualTo(1024);
    assertThat(EnvironmentSettings.parseBytes("4KiB")).isEqualTo(4096);
    assertThat(EnvironmentSettings.parseBytes("16 mib")).isEqualTo(16 << 20);
    assertThat(EnvironmentSettings.parseBytes("1GiB")).isEqualTo(1 << 30);
    assertThatThrownBy(() -> EnvironmentSettings.parseBytes("4GiB"))
        .hasMessageContaining("exceeds");
    assertThatThrownBy(() -> EnvironmentSettings.parseBytes("4MB"))
        .hasMessageContaining("expected a byte size");
  }

  @Test
  void parseLongBytes_beyondTwoGiB_scalesAndRefusesOverflow() {
    assertThat(EnvironmentSettings.parseLongBytes("4GiB")).isEqualTo(4L << 30);
    assertThat(EnvironmentSettings.parseLongBytes(" 2 TiB ")).isEqualTo(2L << 40);
    assertThat(EnvironmentSettings.parseLongBytes("0")).isZero();
    assertThatThrownBy(() -> EnvironmentSettings.parseLongBytes("9000000TiB"))
        .hasMessageContaining("exceeds " + Long.MAX_VALUE);
    assertThatThrownBy(() -> EnvironmentSettings.parseLongBytes("4GB"))
        .hasMessageContaining("expected a byte size like 67108864, 64MiB or 4GiB");
  }
}
