package io.latentserve.evaluator.probes;

import io.latentserve.evaluator.core.LinearProbe;
import io.latentserve.model.FloatTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Multinomial logistic regression with Tribuo's {@link LinearSGDTrainer} (log loss, AdaGrad), on
 * features standardized with the training rows' mean and standard deviation. HIT fits
 * scikit-learn's saga solver and averages five seeds; this averages the test accuracy over {@value
 * #SEEDS} SGD seeds, each {@value #EPOCHS} epochs over the training rows.
 */
public final class TribuoLinearProbe implements LinearProbe {
  static final int SEEDS = 5;
  static final int EPOCHS = 10;
  private static final double LEARNING_RATE = 0.1;

  static {
    // Tribuo logs every training run at INFO through java.util.logging.
    Logger.getLogger("org.tribuo").setLevel(Level.WARNING);
  }

  @Override
  public double accuracy(
      FloatTensor trainFeatures,
      int[] trainLabels,
      FloatTensor testFeatures,
      int[] testLabels,
      int classes) {
    int d = trainFeatures.rowSize();
    if (testFeatures.rowSize() != d) {
      throw new IllegalArgumentException(
          "test features have " + testFeatures.rowSize() + " columns, the training ones " + d);
    }
    double[] mean = new double[d];
    double[] scale = new double[d];
    standardization(trainFeatures, mean, scale);
    String[] names = new String[d];
    for (int c = 0; c < d; c++) {
      names[c] = String.format("u%05d", c);
    }
    LabelFactory factory = new LabelFactory();
    MutableDataset<Label> train =
        new MutableDataset<>(new SimpleDataSourceProvenance("probe-train", factory), factory);
    for (Example<Label> e : examples(trainFeatures, trainLabels, names, mean, scale)) {
      train.add(e);
    }
    List<Example<Label>> test = examples(testFeatures, testLabels, names, mean, scale);
    double sum = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      LinearSGDTrainer trainer =
          new LinearSGDTrainer(
              new LogMulticlass(), new AdaGrad(LEARNING_RATE, 1e-6), EPOCHS, 1_000_000_000, seed);
      Model<Label> model = trainer.train(train);
      List<Prediction<Label>> predictions = model.predict(test);
      int correct = 0;
      for (int i = 0; i < predictions.size(); i++) {
        if (predictions.get(i).getOutput().getLabel().equals(Integer.toString(testLabels[i]))) {
          correct++;
        }
      }
      sum += correct / (double) testLabels.length;
    }
    return sum / SEEDS;
  }

  private static void standardization(FloatTensor x, double[] mean, double[] scale) {
    int n = (int) x.dim(0);
    int d = x.rowSize();
    float[] v = x.data();
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        mean[c] += v[r * d + c];
      }
    }
    for (int c = 0; c < d; c++) {
      mean[c] /= n;
    }
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        double diff = v[r * d + c] - mean[c];
        scale[c] += diff * diff;
      }
    }
    for (int c = 0; c < d; c++) {
      double sd = Math.sqrt(scale[c] / n);
      // A unit that never varies carries nothing: leave it at 0 rather than divide by 0.
      scale[c] = sd > 1e-12 ? 1 / sd : 0;
    }
  }

  private static List<Example<Label>> examples(
      FloatTensor x, int[] labels, String[] names, double[] mean, double[] scale) {
    int n = (int) x.dim(0);
    int d = x.rowSize();
    float[] v = x.data();
    List<Example<Label>> out = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      double[] values = new double[d];
      for (int c = 0; c < d; c++) {
        values[c] = (v[r * d + c] - mean[c]) * scale[c];
      }
      out.add(new ArrayExample<>(new Label(Integer.toString(labels[r])), names, values));
    }
    return out;
  }
}
