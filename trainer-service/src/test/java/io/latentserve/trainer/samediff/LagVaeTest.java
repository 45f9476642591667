package io.latentserve.trainer.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.latentserve.model.Activation;
import io.latentserve.model.LikelihoodFamily;
import io.latentserve.model.VaeArchitecture;
import io.latentserve.model.VaeWeights;
import io.latentserve.trainer.core.LagrangeMultipliers;
import io.latentserve.trainer.core.Lagrangian;
import io.latentserve.trainer.core.LatentNoise;
import io.latentserve.trainer.core.Objective;
import io.latentserve.trainer.core.TrainableVae;
import io.latentserve.trainer.core.TrainableVae.Batch;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** LagVAE's graph outputs and its primal-dual step on a tiny model, in double precision. */
class LagVaeTest {
  private static final int ROWS = 5;
  private static final VaeArchitecture ARCHITECTURE =
      TinyModels.oneLayer(LikelihoodFamily.BERNOULLI, Activation.TANH);

  private static Objective.LagVae lagVae(double mi, double e1, double e2) {
    return new Objective.LagVae(
        new Objective.Constraints(mi, e1, e2), Objective.DualOptimizer.DEFAULT);
  }

  private static Batch batch(long seed) {
    return new Batch(
        TinyModels.data(ARCHITECTURE, ROWS, seed),
        ROWS,
        LatentNoise.latent(ARCHITECTURE, seed, 0, ROWS, 1),
        LatentNoise.prior(ARCHITECTURE, seed, 0, ROWS));
  }

  /**
   * The graph's nll, kl and 1e4 MMD against a direct computation, and its loss against the
   * Lagrangian of either branch at multipliers away from 1.
   */
  @ParameterizedTest
  @ValueSource(doubles = {1.5, -0.75})
  void loss_bothBranches_isTheLagrangianOfTheGraphsConstraintValues(double mi) {
    Objective.LagVae objective = lagVae(mi, 4, 0.5);
    VaeWeights weights = TinyModels.weights(ARCHITECTURE, 21);
    try (SameDiffVae model = SameDiffVae.create(weights, objective, 1e-3, DataType.DOUBLE)) {
      model.multipliers().restore(new double[] {0.7, 2.5, 1, 1});
      Batch batch = batch(22);
      Map<String, INDArray> out = model.evaluate(batch).getOutputs();
      double nll = out.get(VaeGraph.NLL).getDouble(0);
      double kl = out.get(VaeGraph.KL).getDouble(0);
      double mmd = out.get(VaeGraph.MMD).getDouble(0);

      // NLL + KL with one sample is minus the ELBO of the same samples
      assertThat(nll + kl).isCloseTo(-out.get(VaeGraph.BOUND).getDouble(0), within(1e-9));
      Map<String, INDArray> z =
          model.outputs(batch.x(), ROWS, batch.eps(), 1, batch.priorEps(), "z1");
      double[] samples = z.get("z1").dup('c').data().asDouble();
      double[] prior = new double[batch.priorEps().length];
      for (int i = 0; i < prior.length; i++) {
        prior[i] = batch.priorEps()[i];
      }
      assertThat(mmd).isCloseTo(1e4 * vStatistic(samples, prior, 3), within(1e-6));
      assertThat(out.get(VaeGraph.LOSS).getDouble(0))
          .isCloseTo(objective.constraints().lagrangian(nll, kl, mmd, 0.7, 2.5), within(1e-9));
    }
  }

  /** MMD^2 V-statistic with the kernel exp(-|a - b|^2 / d^2), diagonal included. */
  private static double vStatistic(double[] a, double[] b, int d) {
    return meanKernel(a, a, d) + meanKernel(b, b, d) - 2 * meanKernel(a, b, d);
  }

  private static double meanKernel(double[] a, double[] b, int d) {
    int n = a.length / d;
    int m = b.length / d;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
          double diff = a[i * d + k] - b[j * d + k];
          s += diff * diff;
        }
        sum += Math.exp(-s / ((double) d * d));
      }
    }
    return sum / ((double) n * m);
  }

  @Test
  void step_violatedAndSlackConstraints_movesTheMultipliersAsRmsPropAscent() {
    // e1 = 0 is violated by any Bernoulli model (NLL + KL > 0), e2 = 1e9 holds by far
    Objective.LagVae objective = lagVae(1, 0, 1e9);
    VaeWeights weights = TinyModels.weights(ARCHITECTURE, 23);
    LagrangeMultipliers expected =
        new LagrangeMultipliers(objective.constraints(), objective.dualOptimizer());
    try (SameDiffVae model = SameDiffVae.create(weights, objective, 1e-3, DataType.DOUBLE)) {
      for (int step = 0; step < 3; step++) {
        TrainableVae.StepResult result = model.step(batch(24 + step));
        Lagrangian l = result.lagrangian();

        assertThat(l.consistency()).isCloseTo(-result.bound(), within(1e-9));
        assertThat(l.mmd()).isPositive();
        expected.update(l.consistency(), l.mmd());
        assertThat(l.consistencyMultiplier()).isEqualTo(expected.consistency());
        assertThat(l.mmdMultiplier()).isEqualTo(expected.mmd());
      }
      assertThat(expected.consistency()).isGreaterThan(1);
      assertThat(expected.mmd()).isLessThan(1);
    }
  }

  @Test
  void infoVaeByConstraints_equalsLagVaeWithTheMultipliersAtE1AndE2() {
    Objective.Constraints c = new Objective.Constraints(2, 5, 0.75);
    VaeWeights weights = TinyModels.weights(ARCHITECTURE, 25);
    Batch batch = batch(26);
    try (SameDiffVae info =
            SameDiffVae.create(weights, Objective.InfoVae.of(c), 1e-3, DataType.DOUBLE);
        SameDiffVae lag =
            SameDiffVae.create(
                weights,
                new Objective.LagVae(c, Objective.DualOptimizer.DEFAULT),
                1e-3,
                DataType.DOUBLE)) {
      lag.multipliers().restore(new double[] {c.e1(), c.e2(), 1, 1});
      var a = info.evaluate(batch);
      var b = lag.evaluate(batch);

      assertThat(a.getOutputs().get(VaeGraph.LOSS).getDouble(0))
          .isCloseTo(b.getOutputs().get(VaeGraph.LOSS).getDouble(0), within(1e-9));
      for (String name : info.graph().parameterNames()) {
        double difference =
            a.getGradients().get(name).sub(b.getGradients().get(name)).amaxNumber().doubleValue();
        assertThat(difference).as(name).isLessThan(1e-9);
      }
      // InfoVAE reports its fixed multipliers
      assertThat(info.step(batch).lagrangian().consistencyMultiplier()).isEqualTo(c.e1());
    }
  }

  @Test
  void restore_snapshotOfATrainedLagVae_resumesItsMultipliers() {
    Objective.LagVae objective = lagVae(1, 0, 1e9);
    VaeWeights weights = TinyModels.weights(ARCHITECTURE, 27);
    try (SameDiffVae trained = SameDiffVae.create(weights, objective, 1e-3, DataType.DOUBLE);
        SameDiffVae resumed = SameDiffVae.create(weights, objective, 1e-3, DataType.DOUBLE)) {
      trained.step(batch(28));
      trained.step(batch(29));

      resumed.restore(trained.snapshot());

      // float32 like every snapshot array
      double[] expected = trained.multipliers().state();
      double[] actual = resumed.multipliers().state();
      for (int i = 0; i < expected.length; i++) {
        assertThat(actual[i]).isEqualTo((double) (float) expected[i]);
      }
      assertThat(actual[0]).isGreaterThan(1);
      assertThat(actual[1]).isLessThan(1);
    }
  }
}
