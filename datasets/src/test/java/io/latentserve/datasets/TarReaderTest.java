package io.latentserve.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class TarReaderTest {
  private static byte[] tar(byte[]... blocks) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] b : blocks) {
      out.write(b);
      out.write(new byte[(512 - b.length % 512) % 512]);
    }
    out.write(new byte[1024]);
    return out.toByteArray();
  }

  @Test
  void readFiles_selectsWantedEntriesInOrder() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("package/package.json", "{}".getBytes(StandardCharsets.UTF_8));
    entries.put("package/src/a.json", new byte[700]);
    entries.put("package/src/b.json", "b".getBytes(StandardCharsets.UTF_8));
    byte[] tgz = Tarballs.tgz(entries);

    Map<String, byte[]> files =
        TarReader.readFiles(
            new GZIPInputStream(new ByteArrayInputStream(tgz)),
            "t.tgz",
            name -> name.contains("/src/"),
            1 << 20);

    assertThat(files.keySet()).containsExactly("package/src/a.json", "package/src/b.json");
    assertThat(files.get("package/src/a.json")).hasSize(700);
    assertThat(files.get("package/src/b.json")).containsExactly('b');
  }

  @Test
  void readFiles_paxPath_overridesTheHeaderName() throws IOException {
    byte[] record = "33 path=package/a/very/long.json\n".getBytes(StandardCharsets.UTF_8);
    byte[] content = "x".getBytes(StandardCharsets.UTF_8);
    byte[] archive =
        tar(
            Tarballs.header("PaxHeader/long", record.length, 'x'),
            record,
            Tarballs.header("package/a/very/lo", 1, '0'),
            content);

    Map<String, byte[]> files =
        TarReader.readFiles(new ByteArrayInputStream(archive), "t.tar", name -> true, 100);

    assertThat(files).containsOnlyKeys("package/a/very/long.json");
  }

  @Test
  void readFiles_corruptHeader_reportsChecksum() throws IOException {
    byte[] header = Tarballs.header("package/x", 1, '0');
    header[0] = 'q';

    assertThatThrownBy(
            () ->
                TarReader.readFiles(
                    new ByteArrayInputStream(tar(header, new byte[] {1})),
                    "bad.tar",
                    name -> true,
                    100))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad.tar: tar header checksum is");
  }

  @Test
  void readFiles_truncatedEntry_reportsExpectedAndActualSize() throws IOException {
    byte[] header = Tarballs.header("package/x", 1000, '0');
    byte[] archive = new byte[512 + 10];
    System.arraycopy(header, 0, archive, 0, 512);

    assertThatThrownBy(
            () ->
                TarReader.readFiles(
                    new ByteArrayInputStream(archive), "short.tar", name -> true, 1 << 20))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("expected 1000 bytes, got 10");
  }
}
