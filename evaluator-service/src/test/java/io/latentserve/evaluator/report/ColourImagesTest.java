package io.latentserve.evaluator.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.model.FloatTensor;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The report's sample and reconstruction grids draw [3, 32, 32] models in colour and [1, H, W]
 * models as H x W grayscale images.
 */
class ColourImagesTest {

  @Test
  void colourChannels_cifarShapesAreColourAndGrayscaleShapesAreNot() {
    assertThat(Charts.colourChannels(List.of(3L, 32L, 32L), 3072)).isEqualTo(3);
    assertThat(Charts.colourChannels(List.of(3072L), 3072)).isEqualTo(3);
    assertThat(Charts.colourChannels(List.of(784L), 784)).isEqualTo(1);
    assertThat(Charts.colourChannels(List.of(1L, 28L, 28L), 784)).isEqualTo(1);
    // A flat 48 x 48 grayscale image: 2304 is not 3 s^2.
    assertThat(Charts.colourChannels(List.of(2304L), 2304)).isEqualTo(1);
    assertThat(Charts.colourChannels(List.of(6912L), 6912)).isEqualTo(3);
  }

  @Test
  void imageGrid_channelMajorRgb_drawsTheColourOfEachPlane() {
    float[] x = new float[3072];
    for (int i = 0; i < 1024; i++) {
      x[i] = 1f; // red
      x[2048 + i] = 128 / 255f; // blue; green stays 0
    }

    BufferedImage image =
        Charts.imageGrid(
            "colour",
            List.of("data x"),
            List.of(FloatTensor.of(x, 1, 3072)),
            List.of(3L, 32L, 32L),
            1);

    int found = 0;
    for (int yy = 0; yy < image.getHeight(); yy++) {
      for (int xx = 0; xx < image.getWidth(); xx++) {
        if ((image.getRGB(xx, yy) & 0xffffff) == 0xff0080) {
          found++;
        }
      }
    }
    // 32 x 32 pixels of at least 2 x 2 screen pixels each.
    assertThat(found).isGreaterThanOrEqualTo(32 * 32 * 4);
  }

  @Test
  void imageGrid_singleChannelShapes_drawTheShapesHeightAndWidth() {
    // [1, 28, 28] (HIT's conv models) and a non-square [1, 14, 56] of the same 784 features: the
    // tile follows the shape, not a square guess from D.
    assertThat(tileSize(List.of(1L, 28L, 28L))).containsExactly(28 * 3, 28 * 3);
    assertThat(tileSize(List.of(1L, 14L, 56L))).containsExactly(56 * 3, 14 * 3);
    assertThat(tileSize(List.of(784L))).containsExactly(28 * 3, 28 * 3);
  }

  /** Width and height in screen pixels of the one grey tile the grid draws for a 784-feature x. */
  private static int[] tileSize(List<Long> shape) {
    float[] x = new float[784];
    java.util.Arrays.fill(x, 77 / 255f);
    BufferedImage image =
        Charts.imageGrid("gray", List.of("data x"), List.of(FloatTensor.of(x, 1, 784)), shape, 1);
    int left = Integer.MAX_VALUE;
    int right = -1;
    int top = Integer.MAX_VALUE;
    int bottom = -1;
    // Right of the label column and below the title, where no text is drawn.
    for (int yy = 60; yy < image.getHeight(); yy++) {
      for (int xx = 120; xx < image.getWidth(); xx++) {
        if ((image.getRGB(xx, yy) & 0xffffff) == 0x4d4d4d) {
          left = Math.min(left, xx);
          right = Math.max(right, xx);
          top = Math.min(top, yy);
          bottom = Math.max(bottom, yy);
        }
      }
    }
    return new int[] {right - left + 1, bottom - top + 1};
  }
}
