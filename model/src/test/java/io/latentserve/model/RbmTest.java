package io.latentserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RbmTest {
  private static final Rbm RBM =
      new Rbm(
          new float[] {0.5f, -1f},
          new float[] {2f, 0.25f, -0.5f},
          new float[] {
            1, -2, 0.5f, //
            0, 3, -1
          });

  @Test
  void energy_matchesTheBilinearForm() {
    float[] z = {1, 1, 1, 0, 1, /* row 2 */ 0, 1, 0, 1, 0};
    double[] e = RBM.energy(z, 2);
    // row 1: -(0.5 - 1) - (2 - 0.5) - (1*1 + 1*0.5 + 0*1 + 1*(-1)) = 0.5 - 1.5 - 0.5
    assertThat(e[0]).isCloseTo(-1.5, within(1e-12));
    // row 2: -(-1) - 0.25 - 3
    assertThat(e[1]).isCloseTo(-2.25, within(1e-12));
  }

  @Test
  void freeEnergies_equalTheLogSumOverTheOtherHalf() {
    double[] z1 = {1, 0};
    double sum = 0;
    for (int s = 0; s < 8; s++) {
      float[] z = {1, 0, s & 1, (s >> 1) & 1, (s >> 2) & 1};
      sum += Math.exp(-RBM.energyAt(z, 0));
    }
    assertThat(-RBM.freeEnergyOfFirst(z1)).isCloseTo(Math.log(sum), within(1e-12));
    double[] z2 = {0, 1, 1};
    sum = 0;
    for (int s = 0; s < 4; s++) {
      float[] z = {s & 1, (s >> 1) & 1, 0, 1, 1};
      sum += Math.exp(-RBM.energyAt(z, 0));
    }
    assertThat(-RBM.freeEnergyOfSecond(z2)).isCloseTo(Math.log(sum), within(1e-12));
  }

  @Test
  void transposed_keepsEnergies() {
    float[] z = {1, 0, 1, 1, 0};
    float[] swapped = {1, 1, 0, 1, 0};
    assertThat(RBM.transposed().energyAt(swapped, 0)).isCloseTo(RBM.energyAt(z, 0), within(1e-12));
  }

  @Test
  void constructor_badShapesOrValues_throwNamingThem() {
    assertThatThrownBy(() -> new Rbm(new float[2], new float[3], new float[5]))
        .hasMessageContaining("n1 x n2 = 2 x 3 = 6 values, got 5");
    assertThatThrownBy(() -> new Rbm(new float[] {Float.NaN}, new float[1], new float[1]))
        .hasMessageContaining("b1[0] must be finite");
    assertThatThrownBy(() -> new Rbm(new float[0], new float[1], new float[0]))
        .hasMessageContaining("n1 >= 1");
  }

  @Test
  void rbmPrior_needsBernoulliUnconditionalLayers() {
    VaeArchitecture sbn = VaeArchitecture.sigmoidBeliefNet(10, 4, 3).withPrior(Prior.RBM);
    assertThat(sbn.rbmUnits()).isEqualTo(7);
    assertThat(sbn.rbmFirstHalf()).isEqualTo(3);
    assertThat(Prior.byName("rbm")).isSameAs(Prior.RBM);
    assertThatThrownBy(() -> VaeArchitecture.iwaeOneLayer().withPrior(Prior.RBM))
        .hasMessageContaining("bernoulli");
    assertThatThrownBy(
            () -> VaeArchitecture.sigmoidBeliefNet(10, 4).withConditionDim(2).withPrior(Prior.RBM))
        .hasMessageContaining("no condition");
    VaeArchitecture mixed =
        new VaeArchitecture(
            10,
            List.of(
                new StochasticLayer("z1", 3, List.of()),
                new StochasticLayer("z2", 3, List.of(), LatentFamily.BERNOULLI)),
            Activation.TANH,
            LikelihoodFamily.BERNOULLI,
            0);
    assertThatThrownBy(() -> mixed.withPrior(Prior.RBM)).hasMessageContaining("gaussian");
  }

  @Test
  void weights_rbmShapeChecked() {
    VaeArchitecture arch = VaeArchitecture.sigmoidBeliefNet(10, 4, 3).withPrior(Prior.RBM);
    VaeWeights w = VaeWeights.random(arch, 1);
    assertThat(w.rbm().n1()).isEqualTo(3);
    assertThat(w.rbm().n2()).isEqualTo(4);
    assertThatThrownBy(() -> w.withRbm(Rbm.zeros(4, 3))).hasMessageContaining("n1 = 3");
    assertThatThrownBy(() -> w.withRbm(null)).hasMessageContaining("needs its RBM");
    assertThatThrownBy(w::requireLogPartition).hasMessageContaining("not estimated");
    assertThat(w.withLogPartition(LogPartition.exact(1.5)).requireLogPartition().logZ())
        .isEqualTo(1.5);
  }

  @Test
  void referenceVae_rbmLogPrior_normalisesOverEveryState() {
    VaeArchitecture arch = VaeArchitecture.sigmoidBeliefNet(5, 4, 3).withPrior(Prior.RBM);
    VaeWeights random = VaeWeights.random(arch, 2);
    Rbm rbm = Rbm.random(3, 4, 1.5, 9);
    VaeWeights w = random.withRbm(rbm).withLogPartition(RbmPartition.exact(rbm));
    ReferenceVae vae = new ReferenceVae(w);
    int states = 1 << 7;
    float[] z1 = new float[states * 4];
    float[] z2 = new float[states * 3];
    for (int s = 0; s < states; s++) {
      for (int u = 0; u < 7; u++) {
        float bit = (s >>> u) & 1;
        if (u < 4) {
          z1[s * 4 + u] = bit;
        } else {
          z2[s * 3 + u - 4] = bit;
        }
      }
    }
    ReferenceVae.LogJoint joint =
        vae.logJoint(
            FloatTensor.of(new float[states * 5], states, 5),
            List.of(FloatTensor.of(z1, states, 4), FloatTensor.of(z2, states, 3)));
    double total = 0;
    for (int s = 0; s < states; s++) {
      total += Math.exp(joint.logPz()[s]);
      assertThat(joint.logPriors().get(0)[s]).isZero();
    }
    assertThat(total).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void conditionalLogits_areTheFieldsOfTheOtherHalf() {
    float[] z = {1, 0, 0, 1, 1};
    float[] logits = RBM.conditionalLogits(z, 1);
    // z1 units: b1 + W z2 with z2 = (0, 1, 1)
    assertThat(logits[0]).isEqualTo(0.5f - 2 + 0.5f);
    assertThat(logits[1]).isEqualTo(-1f + 3 - 1);
    // z2 units: b2 + z1 W with z1 = (1, 0)
    assertThat(logits[2]).isEqualTo(2f + 1);
    assertThat(logits[3]).isEqualTo(0.25f - 2);
    assertThat(logits[4]).isEqualTo(-0.5f + 0.5f);
  }

  @Test
  void logPartition_validates() {
    assertThatThrownBy(() -> new LogPartition(1, 0.1, LogPartition.EXACT, 0, 0, 0))
        .hasMessageContaining("exact");
    assertThatThrownBy(() -> new LogPartition(1, -1, LogPartition.AIS, 10, 10, 0))
        .hasMessageContaining("standardError");
    assertThatThrownBy(() -> new LogPartition(1, 0.1, "mcmc", 10, 10, 0))
        .hasMessageContaining("method");
  }
}
