package io.latentserve.trainer.samediff;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.NoOpMemoryMgr;

/**
 * Makes a graph's SameDiff sessions allocate every op output afresh instead of reusing the arrays
 * of ops whose consumers have run.
 *
 * <p>Why: SameDiff 1.0.0-M2.1's {@code ArrayCacheMemoryMgr} hands an op's output array back to its
 * cache once the op's consumers have run, even when one of them was a reshape whose output is a
 * view of that array and is read later. In the DVAE graph the encoder's logits [B, d] are read
 * through the view logits.reshape(B, 1, d) by log q(zeta|x) after their other consumers finished,
 * and the buffer had meanwhile been reused by another op of the same size: log q was computed with
 * logits that were not the ones the relaxed samples were drawn from. On a 200-unit model the
 * importance-weighted bound then "improved" by pushing q away from its own samples, up to +860 nats
 * per example with log Z left out (DvaeTrainingBoundTest). Fresh arrays cost allocation time; they
 * make every output the value of its op.
 */
final class FreshArrays {
  private FreshArrays() {}

  /**
   * Gives the calling thread's sessions of {@code sd} and of its gradient function (when created) a
   * memory manager that never reuses arrays. Call before every output or gradient call: SameDiff
   * keeps one session per thread and creates it on the first call.
   */
  static void onThisThread(SameDiff sd) {
    apply(sd);
    SameDiff grad = sd.getFunction("grad");
    if (grad != null) {
      apply(grad);
    }
  }

  private static void apply(SameDiff graph) {
    InferenceSession session =
        graph
            .getSessions()
            .computeIfAbsent(Thread.currentThread().getId(), id -> new InferenceSession(graph));
    if (!(session.getMmgr() instanceof NoOpMemoryMgr)) {
      session.setMmgr(new NoOpMemoryMgr());
    }
  }
}
