package io.latentserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  private final StringWriter out = new StringWriter();

  @Test
  void update_notInteractive_printsOneFullLinePerTenthOfProgress() {
    ProgressBar bar = new ProgressBar(new PrintWriter(out), false);

    for (int done = 0; done <= 200; done++) {
      bar.update(done, 200, "importance-weights", Duration.ofSeconds(done), null, "");
    }
    bar.finish();

    assertThat(out.toString().lines()).hasSize(11);
    assertThat(out.toString().lines().toList().get(0))
        .isEqualTo(
            "importance-weights     [..............................]   0.0% 0/200  0:00 elapsed,"
                + " ETA --  ");
    assertThat(out.toString().lines().toList().get(5))
        .isEqualTo(
            "importance-weights     [###############...............]  50.0% 100/200  1:40 elapsed,"
                + " ETA --  ");
    assertThat(out.toString().lines().toList().get(10))
        .startsWith("importance-weights     [##############################] 100.0% 200/200  3:20");
    assertThat(out.toString()).doesNotContain("\r");
  }

  @Test
  void update_notInteractiveNewPhase_printsItsFirstLineAtTheDecileThePreviousEndedOn() {
    ProgressBar bar = new ProgressBar(new PrintWriter(out), false);

    bar.update(0, 24, "importance-weights", Duration.ZERO, null, "");
    bar.update(0, 1000, "posterior-statistics", Duration.ZERO, null, "");
    bar.update(1000, 1000, "posterior-statistics", Duration.ofSeconds(1), null, "");
    bar.update(0, 80, "previews", Duration.ofSeconds(1), null, "");

    assertThat(out.toString().lines().map(l -> l.split(" ")[0]))
        .containsExactly(
            "importance-weights", "posterior-statistics", "posterior-statistics", "previews");
  }

  @Test
  void update_interactive_redrawsOneLineInPlaceAndPadsOverLongerText() {
    ProgressBar bar = new ProgressBar(new PrintWriter(out), true);

    bar.update(
        1, 4, "epoch 1", Duration.ofSeconds(5), Duration.ofSeconds(15), "loss 101.25 bound -99.5");
    bar.update(2, 4, "epoch 1", Duration.ofSeconds(10), Duration.ofSeconds(10), "");
    bar.finish();

    String first =
        "epoch 1                [########......................]  25.0% 1/4  0:05 elapsed, ETA 0:15"
            + "  loss 101.25 bound -99.5";
    String second =
        "epoch 1                [###############...............]  50.0% 2/4  0:10 elapsed, ETA 0:10"
            + "  ";
    assertThat(out.toString())
        .isEqualTo(
            "\r"
                + first
                + "\r"
                + second
                + " ".repeat(first.length() - second.length())
                + System.lineSeparator());
  }

  @Test
  void update_doneBeyondTotalOrNoTotal_barStaysWithinItsBounds() {
    ProgressBar bar = new ProgressBar(new PrintWriter(out), false);

    bar.update(7, 0, "model", Duration.ZERO, null, "");
    bar.update(12, 10, "model", Duration.ZERO, null, "");

    assertThat(out.toString().lines())
        .containsExactly(
            "model                  [..............................]   0.0% 7/0  0:00 elapsed, ETA"
                + " --  ",
            "model                  [##############################] 100.0% 12/10  0:00 elapsed,"
                + " ETA --  ");
  }

  @Test
  void finish_interactiveWithoutUpdates_printsNothing() {
    new ProgressBar(new PrintWriter(out), true).finish();

    assertThat(out.toString()).isEmpty();
  }

  @Test
  void format_durations_minutesSecondsOrHoursMinutesSeconds() {
    assertThat(ProgressBar.format(Duration.ZERO)).isEqualTo("0:00");
    assertThat(ProgressBar.format(Duration.ofMillis(59_999))).isEqualTo("0:59");
    assertThat(ProgressBar.format(Duration.ofSeconds(3599))).isEqualTo("59:59");
    assertThat(ProgressBar.format(Duration.ofSeconds(3600))).isEqualTo("1:00:00");
    assertThat(ProgressBar.format(Duration.ofSeconds(3723))).isEqualTo("1:02:03");
    assertThat(ProgressBar.format(Duration.ofSeconds(-5))).isEqualTo("0:00");
  }
}
