package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;

import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

class SessionArraysTest {
  private static final int ROWS = 5;
  private static final int K = 3;

  private static TrainableVae.Batch batch(VaeArchitecture arch, long seed) {
    return new TrainableVae.Batch(
        TinyModels.data(arch, ROWS, seed),
        ROWS,
        TinyModels.eps(arch, ROWS, K, seed),
        null,
        null,
        null);
  }

  /** Every step after the first reuses the arrays of the step before: the cache serves them. */
  @Test
  void step_afterTheFirst_takesItsArraysFromTheSessionCache() {
    VaeArchitecture arch = TinyModels.twoLayer(LikelihoodFamily.BERNOULLI, Activation.TANH);
    try (SameDiffVae model =
        SameDiffVae.create(TinyModels.weights(arch, 1), new Objective.Iwae(K), 1e-3)) {
      model.step(batch(arch, 1));
      ArrayCacheMemoryMgr cache = gradientSessionCache(model.graph().sameDiff());
      long cachedAfterFirst = cache.getCurrentCacheSize();
      assertThat(cachedAfterFirst).isPositive();
      for (int s = 2; s <= 4; s++) {
        model.step(batch(arch, s));
        // the same arrays go out and come back: the cache does not drain, and grows by a few
        // scalars at most (a view's base, which is not released, is allocated afresh)
        assertThat(cache.getCurrentCacheSize())
            .isBetween(cachedAfterFirst, cachedAfterFirst + 64L * s);
      }
    }
  }

  /** Recycling changes no value: steps match a model that recycles nothing in between. */
  @Test
  void step_withRecycledArrays_isBitIdenticalToFreshArrays() {
    VaeArchitecture arch = TinyModels.oneLayer(LikelihoodFamily.BERNOULLI, Activation.TANH);
    List<Double> recycled = new ArrayList<>();
    List<Double> fresh = new ArrayList<>();
    try (SameDiffVae a =
            SameDiffVae.create(TinyModels.weights(arch, 2), new Objective.Iwae(K), 1e-2);
        SameDiffVae b =
            SameDiffVae.create(TinyModels.weights(arch, 2), new Objective.Iwae(K), 1e-2)) {
      for (int s = 0; s < 5; s++) {
        recycled.add(a.step(batch(arch, 10 + s)).loss());
        // b's session cache is emptied before each step: every array is allocated afresh
        if (s > 0) {
          gradientSessionCache(b.graph().sameDiff()).close();
        }
        fresh.add(b.step(batch(arch, 10 + s)).loss());
      }
      assertThat(recycled).isEqualTo(fresh);
      assertThat(a.weights().decoders().get(0).mean().weight())
          .containsExactly(b.weights().decoders().get(0).mean().weight());
    }
  }

  /** Arrays handed to a caller before a step are not reused by it. */
  @Test
  void step_leavesOutputsHandedOutBeforeIntact() {
    VaeArchitecture arch = TinyModels.oneLayer(LikelihoodFamily.BERNOULLI, Activation.TANH);
    try (SameDiffVae model =
        SameDiffVae.create(TinyModels.weights(arch, 3), new Objective.Iwae(K), 1e-3)) {
      model.step(batch(arch, 1));
      TrainableVae.Batch b = batch(arch, 2);
      INDArray mean =
          model.outputs(b.x(), ROWS, b.eps(), K, null, "z1_mean", VaeGraph.LOG_W).get("z1_mean");
      INDArray copy = mean.dup();
      for (int s = 3; s < 6; s++) {
        model.step(batch(arch, s));
      }
      assertThat(mean.wasClosed()).isFalse();
      assertThat(mean).isEqualTo(copy);
    }
  }

  private static ArrayCacheMemoryMgr gradientSessionCache(SameDiff sd) {
    SameDiff grad = sd.getFunction("grad");
    InferenceSession session = grad.getSessions().values().iterator().next();
    return (ArrayCacheMemoryMgr) session.getMmgr();
  }
}
