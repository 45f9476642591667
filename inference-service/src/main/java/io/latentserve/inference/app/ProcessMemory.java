package io.latentserve.inference.app;

import io.latentserve.inference.core.MemoryProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident set size from {@code /proc/self/statm} (Linux); 0 elsewhere, where each
 * model is then accounted at the size of its graph files.
 */
final class ProcessMemory implements MemoryProbe {
  private static final Path STATM = Path.of("/proc/self/statm");
  // statm counts pages; x86-64 and arm64 Linux kernels as deployed use 4 KiB pages.
  private static final long PAGE_BYTES = 4096;

  @Override
  public long residentBytes() {
    try {
      String[] fields = Files.readString(STATM).trim().split("\\s+");
      return Long.parseLong(fields[1]) * PAGE_BYTES;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
