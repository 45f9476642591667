package io.latentserve.trainer.samediff;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hands the arrays of a finished SameDiff call back to its session's memory manager, so that the
 * next call of the same shapes reuses them instead of allocating afresh.
 *
 * <p>Why: SameDiff 1.0.0-M2.1 releases almost none of the arrays of a gradient call to its {@code
 * ArrayCacheMemoryMgr} (3 of ~150 per training step of the 1-layer IWAE model); the rest stay in
 * the session's last-call map until the next call replaces them, and their native memory goes back
 * only when the garbage collector finds them. Every op output of every step was therefore a new
 * native allocation, zero-filled (and page-faulted) by the allocator: 26 arrays of [500, 784]
 * floats per step at K = 5, a fifth of the step's time in allocation, and a resident set that grew
 * to gigabytes between collections.
 *
 * <p>Only op outputs are released: the arrays of variables, constants and the given placeholders
 * (and anything sharing their memory) are never touched, views are left to their base, and each
 * array is released once. The caller must no longer use any array of the call (outputs and
 * gradients included) once {@link #recycle} has run.
 */
final class SessionArrays {
  private SessionArrays() {}

  /**
   * Releases the op outputs of the last call on {@code sd} and its gradient function; {@code keep}
   * are arrays the caller still owns (its placeholders).
   */
  static void recycle(SameDiff sd, Collection<INDArray> keep) {
    List<long[]> kept = new ArrayList<>();
    List<SameDiff> graphs = graphs(sd);
    for (SameDiff g : graphs) {
      for (SDVariable v : g.variables()) {
        VariableType type = v.getVariableType();
        if (type == VariableType.VARIABLE
            || type == VariableType.CONSTANT
            || type == VariableType.PLACEHOLDER) {
          INDArray a = g.getArrForVarName(v.name());
          if (a != null) {
            kept.add(range(a));
          }
        }
      }
    }
    for (INDArray a : keep) {
      kept.add(range(a));
    }
    Set<INDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (SameDiff g : graphs) {
      for (InferenceSession session : g.getSessions().values()) {
        for (SDValue value : session.getNodeValueOutputs().values()) {
          INDArray a = value == null ? null : value.getTensorValue();
          if (a == null
              || a.isView()
              || a.wasClosed()
              || !seen.add(a)
              || cached(session, a)
              || overlaps(a, kept)) {
            continue;
          }
          session.getMmgr().release(a);
        }
        session.getNodeValueOutputs().clear();
      }
    }
  }

  /**
   * Forgets the arrays of the last calls on {@code sd} and its gradient function without releasing
   * them: they belong to whoever received them (outputs and gradients handed to a caller), and a
   * later {@link #recycle} must not reuse them.
   */
  static void forget(SameDiff sd) {
    for (SameDiff g : graphs(sd)) {
      for (InferenceSession session : g.getSessions().values()) {
        session.getNodeValueOutputs().clear();
      }
    }
  }

  private static List<SameDiff> graphs(SameDiff sd) {
    List<SameDiff> graphs = new ArrayList<>(List.of(sd));
    SameDiff grad = sd.getFunction("grad");
    if (grad != null) {
      graphs.add(grad);
    }
    return graphs;
  }

  /** Whether the session's cache already holds {@code a} (releasing it twice fails). */
  private static boolean cached(InferenceSession session, INDArray a) {
    return session.getMmgr() instanceof ArrayCacheMemoryMgr cache
        && cache.getLruCache().contains(a.getId());
  }

  /** [start, end) of the native memory of {@code a}'s buffer, bytes. */
  private static long[] range(INDArray a) {
    if (a.data() == null || a.isEmpty()) {
      return new long[] {0, 0};
    }
    long start = a.data().addressPointer().address();
    return new long[] {start, start + a.data().length() * a.data().getElementSize()};
  }

  private static boolean overlaps(INDArray a, List<long[]> kept) {
    long[] r = range(a);
    for (long[] k : kept) {
      if (r[0] < k[1] && k[0] < r[1]) {
        return true;
      }
    }
    return false;
  }
}
