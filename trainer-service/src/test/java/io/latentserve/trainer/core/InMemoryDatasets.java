package io.latentserve.trainer.core;

import java.util.Map;

/** A {@link DatasetSource} over data sets held in memory, by name. */
public final class InMemoryDatasets implements DatasetSource {
  private final Map<String, TrainingData> data;

  public InMemoryDatasets(Map<String, TrainingData> data) {
    this.data = Map.copyOf(data);
  }

  @Override
  public Shape describe(String dataset) {
    TrainingData d = data.get(dataset);
    if (d == null) {
      throw new InvalidSpecException(
          "spec.dataset", "spec.dataset " + dataset + " is unknown; known: " + data.keySet());
    }
    int classes = java.util.Arrays.stream(d.train().labels()).max().orElse(-1) + 1;
    return new Shape(d.train().dimension(), d.train().size(), classes);
  }

  @Override
  public TrainingData load(String dataset) {
    describe(dataset);
    return data.get(dataset);
  }
}
