package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expected values printed by CPython 3.11's {@code random} module. */
class PythonRandomTest {
  @Test
  void getRandBits_seed20181_matchesCpython() {
    PythonRandom r = new PythonRandom(20181);

    long[] got = new long[5];
    for (int i = 0; i < got.length; i++) {
      got[i] = r.nextInt32() & 0xFFFFFFFFL;
    }

    // [random.Random(20181).getrandbits(32) for _ in range(5)]
    assertThat(got)
        .containsExactly(1064384947L, 1368461207L, 1358037280L, 2641696709L, 3037814075L);
  }

  @Test
  void getRandBits_seedZeroAndShortWidths_matchCpython() {
    PythonRandom r = new PythonRandom(0);

    assertThat(r.nextInt32() & 0xFFFFFFFFL).isEqualTo(3626764237L);
    assertThat(r.nextInt32() & 0xFFFFFFFFL).isEqualTo(1654615998L);
    assertThat(r.nextInt32() & 0xFFFFFFFFL).isEqualTo(3255389356L);
    assertThat(r.getRandBits(14)).isEqualTo(14585);
    assertThat(r.getRandBits(1)).isEqualTo(0);
  }

  @Test
  void nextInt32_seedWiderThan32Bits_usesBothKeyWords() {
    PythonRandom r = new PythonRandom((1L << 40) + 5);

    assertThat(r.nextInt32() & 0xFFFFFFFFL).isEqualTo(2166296868L);
    assertThat(r.nextInt32() & 0xFFFFFFFFL).isEqualTo(2220160828L);
  }

  @Test
  void shuffle_seed42_matchesCpython() {
    int[] x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

    new PythonRandom(42).shuffle(x);

    // x = list(range(10)); random.Random(42).shuffle(x)
    assertThat(x).containsExactly(7, 3, 2, 8, 5, 6, 9, 4, 0, 1);
  }
}
