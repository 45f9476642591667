package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxWriterTest {
  @TempDir Path dir;

  @Test
  void write_gzip_hasReproducibleHeaderWithOriginalName() throws IOException {
    Path file = dir.resolve("x-idx1-ubyte.gz");
    IdxWriter.writeLabels(file, new int[] {1, 2, 3});
    byte[] first = Files.readAllBytes(file);
    IdxWriter.writeLabels(file, new int[] {1, 2, 3});

    assertThat(Files.readAllBytes(file)).isEqualTo(first);
    // magic, deflate, FNAME flag, mtime 0, best compression, OS unknown, then the name
    assertThat(Arrays.copyOf(first, 10)).containsExactly(0x1F, 0x8B, 8, 8, 0, 0, 0, 0, 2, 0xFF);
    assertThat(new String(first, 10, "x-idx1-ubyte".length(), "ISO-8859-1"))
        .isEqualTo("x-idx1-ubyte");
  }

  @Test
  void write_decodedSharedMnist10kTestSplit_reproducesTheSharedBytes() throws IOException {
    // The train files are checked the same way by DatasetFetcherTest.
    Path data = SharedData.assumeDataDir("mnist-10k");
    for (String name : List.of("test-images-idx3-ubyte.gz", "test-labels-idx1-ubyte.gz")) {
      Path shared = data.resolve("mnist-10k").resolve(name);
      Path copy = dir.resolve(name);
      if (name.contains("images")) {
        IdxWriter.writeImages(copy, IdxReader.readImages(shared));
      } else {
        IdxWriter.writeLabels(copy, IdxReader.readLabels(shared));
      }

      assertThat(Files.readAllBytes(copy)).as(name).isEqualTo(Files.readAllBytes(shared));
    }
  }
}
