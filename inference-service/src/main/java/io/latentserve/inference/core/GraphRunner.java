package io.latentserve.inference.core;

import io.latentserve.bundle.GraphRole;
import io.latentserve.model.FloatTensor;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Executes the graphs of one model bundle (the outbound port to an inference engine).
 *
 * <p>Inputs and outputs are named and shaped as {@link GraphRole} and {@link
 * io.latentserve.bundle.StandardGraphSpecs} describe; every tensor is float32 and axis 0 is the
 * batch N. Callers validate inputs first ({@link VaeModel} does); a runner may still reject a
 * request it cannot execute. Implementations are thread-safe.
 */
public interface GraphRunner extends AutoCloseable {
  /**
   * Runs one graph.
   *
   * @param role which graph
   * @param inputs every input of the graph by name, each with axis 0 = N (the same N for all)
   * @return every output of the graph by name, each with axis 0 = N; the caller owns the tensors
   * @throws InferenceFailedException if the engine fails
   * @throws ModelUnavailableException if the runner is closed
   * @throws QueueFullException if a batching runner's queue is full
   */
  Map<String, FloatTensor> run(GraphRole role, Map<String, FloatTensor> inputs);

  /**
   * Runs one graph and completes the future with what {@link #run} would return or throw. The
   * default runs at once on the caller's thread; a runner that queues work completes the future
   * later on its own thread, so that no caller thread has to wait for a queued run.
   */
  default CompletableFuture<Map<String, FloatTensor>> runAsync(
      GraphRole role, Map<String, FloatTensor> inputs) {
    try {
      return CompletableFuture.completedFuture(run(role, inputs));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Row alignment that makes results independent of where a row sits in a batch: a row's outputs
   * are bit-identical in any two runs that place it at positions equal modulo this number (the same
   * holds for the sample axis of [N, K, ...] inputs).
   *
   * <p>Each row's result depends on that row's inputs only, but an engine's vectorized kernels may
   * round differently depending on where a row lies in memory (ONNX Runtime's CPU reductions do:
   * see {@code OnnxGraphRunner}). {@link SeededVaeModel} therefore places row {@code firstRow + i}
   * and sample j at positions congruent to them, and a batching decorator starts each merged
   * request at a multiple of this number.
   *
   * @return >= 1; 1 when any placement gives the same results
   */
  default int rowAlignment() {
    return 1;
  }

  /** Device that executes the graphs: {@code "cpu"} or {@code "cuda:N"}. */
  String device();

  /** Releases native resources; work already queued is finished first where the runner queues. */
  @Override
  void close();
}
