package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.latentserve.model.FloatTensor;
import org.junit.jupiter.api.Test;

class DatasetTest {
  private static Dataset threeByTwoPixels() {
    float[] x = {0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1f, 0.5f};
    return Dataset.of("toy", Split.TRAIN, x, new int[] {4, 5, 6}, 2, 2);
  }

  @Test
  void accessors_returnShapesAndRows() {
    Dataset d = threeByTwoPixels();

    assertThat(d.size()).isEqualTo(3);
    assertThat(d.dimension()).isEqualTo(4);
    assertThat(d.images().shape()).containsExactly(3, 4);
    assertThat(d.row(1)).containsExactly(0.4f, 0.5f, 0.6f, 0.7f);
    assertThat(d.rows(1, 3))
        .isEqualTo(
            FloatTensor.of(new float[] {0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1f, 0.5f}, 2, 4));
    assertThat(d.label(2)).isEqualTo(6);
    assertThat(d.labels(0, 2)).containsExactly(4, 5);
  }

  @Test
  void copyRows_fillsBufferAtOffset() {
    float[] dst = new float[6];

    threeByTwoPixels().copyRows(2, 3, dst, 1);

    assertThat(dst).containsExactly(0f, 0.8f, 0.9f, 1f, 0.5f, 0f);
  }

  @Test
  void slice_keepsNameSplitAndPixels() {
    Dataset s = threeByTwoPixels().slice(1, 2);

    assertThat(s.size()).isEqualTo(1);
    assertThat(s.split()).isEqualTo(Split.TRAIN);
    assertThat(s.row(0)).containsExactly(0.4f, 0.5f, 0.6f, 0.7f);
    assertThat(s.labels()).containsExactly(5);
  }

  @Test
  void labels_areCopiedInAndOut() {
    int[] labels = {1, 2, 3};
    Dataset d = Dataset.of("toy", Split.TEST, new float[12], labels, 2, 2);
    labels[0] = 9;
    d.labels()[1] = 9;

    assertThat(d.labels()).containsExactly(1, 2, 3);
  }

  @Test
  void equals_comparesContents() {
    assertThat(threeByTwoPixels()).isEqualTo(threeByTwoPixels());
    assertThat(threeByTwoPixels()).isNotEqualTo(threeByTwoPixels().slice(0, 2));
  }

  @Test
  void constructor_labelCountMismatch_namesBothCounts() {
    assertThatThrownBy(() -> Dataset.of("toy", Split.TRAIN, new float[8], new int[] {1}, 2, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("toy has 2 images but 1 labels");
  }

  @Test
  void constructor_shapeNotRowsTimesCols_isRejected() {
    assertThatThrownBy(
            () -> new Dataset("toy", Split.TRAIN, FloatTensor.zeros(2, 5), new int[] {0, 1}, 2, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be [N, 4] for 2x2 pixels, got [2, 5]");
  }

  @Test
  void row_outOfRange_throwsIndexOutOfBounds() {
    assertThatThrownBy(() -> threeByTwoPixels().row(3))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void splitParse_unknownValue_namesAcceptedValues() {
    assertThat(Split.parse("Train")).isEqualTo(Split.TRAIN);
    assertThatThrownBy(() -> Split.parse("validation"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown split 'validation', expected train or test");
  }
}
