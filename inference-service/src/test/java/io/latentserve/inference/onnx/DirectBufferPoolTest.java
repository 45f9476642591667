package io.latentserve.inference.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirectBufferPoolTest {
  private static final int MIB = 1 << 20;

  @Test
  void release_manyBuffers_keepsAtMostTheCapInBytes() {
    DirectBufferPool pool = new DirectBufferPool(MIB);
    List<ByteBuffer> inUse = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      inUse.add(pool.acquire(MIB / 16)); // 256 KiB each
    }
    inUse.forEach(pool::release);

    assertThat(pool.pooledBytes()).isEqualTo(MIB);
  }

  @Test
  void release_bufferLargerThanTheCap_isNotKept() {
    DirectBufferPool pool = new DirectBufferPool(MIB);
    ByteBuffer large = pool.acquire(MIB); // 4 MiB

    pool.release(large);

    assertThat(pool.pooledBytes()).isZero();
    assertThat(pool.acquire(MIB)).isNotSameAs(large);
  }

  @Test
  void acquire_afterRelease_reusesTheBufferAndUnaccountsIt() {
    DirectBufferPool pool = new DirectBufferPool(MIB);
    ByteBuffer b = pool.acquire(1000);
    pool.release(b);

    assertThat(pool.acquire(900)).isSameAs(b);
    assertThat(pool.pooledBytes()).isZero();
  }

  @Test
  void capZero_poolsNothing() {
    DirectBufferPool pool = new DirectBufferPool(0);
    ByteBuffer b = pool.acquire(10);
    pool.release(b);

    assertThat(pool.pooledBytes()).isZero();
  }
}
