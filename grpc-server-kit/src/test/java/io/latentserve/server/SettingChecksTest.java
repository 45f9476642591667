package io.latentserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SettingChecksTest {

  @Test
  void checkPort_range_acceptsBoundsRejectsOutside() {
    assertThat(SettingChecks.checkPort("port", 0)).isZero();
    assertThat(SettingChecks.checkPort("port", 65535)).isEqualTo(65535);
    assertThatThrownBy(() -> SettingChecks.checkPort("metricsPort", 65536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metricsPort must be in [0, 65535], got 65536");
    assertThatThrownBy(() -> SettingChecks.checkPort("port", -1))
        .hasMessage("port must be in [0, 65535], got -1");
  }

  @Test
  void checkPositive_zero_throwsNamingTheSetting() {
    assertThat(SettingChecks.checkPositive("maxK", 1)).isEqualTo(1);
    assertThatThrownBy(() -> SettingChecks.checkPositive("maxK", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxK must be > 0, got 0");
  }

  @Test
  void checkNonNegative_negativeOrNull_throwsNamingTheSetting() {
    assertThat(SettingChecks.checkNonNegative("grace", Duration.ZERO)).isZero();
    assertThatThrownBy(() -> SettingChecks.checkNonNegative("grace", Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("grace must be >= 0, got PT-0.001S");
    assertThatThrownBy(() -> SettingChecks.checkNonNegative("grace", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("grace");
  }

  @Test
  void checkHost_addressesAndNames_accepted() {
    assertThat(SettingChecks.checkHost("host", "")).isEmpty();
    assertThat(SettingChecks.checkHost("host", "127.0.0.2")).isEqualTo("127.0.0.2");
    assertThat(SettingChecks.checkHost("host", "::1")).isEqualTo("::1");
    assertThat(SettingChecks.checkHost("host", "inference-0.inference.svc")).isNotEmpty();
  }

  @Test
  void checkHost_notAHost_throwsNamingTheSettingAndValue() {
    assertThatThrownBy(() -> SettingChecks.checkHost("host", "inference:50051"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "host must be an IP address or a host name (empty for every interface), got"
                + " \"inference:50051\"");
    assertThatThrownBy(() -> SettingChecks.checkHost("host", "two words"))
        .hasMessageContaining("got \"two words\"");
    assertThatThrownBy(() -> SettingChecks.checkHost("host", "-leading.hyphen"))
        .hasMessageContaining("host must be");
    assertThatThrownBy(() -> SettingChecks.checkHost("host", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("host");
  }
}
