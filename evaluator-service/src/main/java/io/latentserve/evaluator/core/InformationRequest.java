package io.latentserve.evaluator.core;

import java.util.Objects;

/**
 * What the information metrics ({@link Metric#KDE_MUTUAL_INFORMATION}, {@link
 * Metric#LABEL_INFORMATION}, {@link Metric#LINEAR_PROBES}) need beyond the evaluated data.
 *
 * @param kdeFitSplit the split of the evaluated dataset whose examples the KDE is fitted to ({@code
 *     train} or {@code test}); empty to fit it to an independent draw for each evaluated example
 * @param kdeFitLimit fit to the first {@code kdeFitLimit} examples of {@code kdeFitSplit}; 0 for
 *     all
 * @param inlineLabels the class label of each inline example, [N] in [0, classes); null when the
 *     data is a dataset (which provides its own) or carries no labels
 */
public record InformationRequest(String kdeFitSplit, int kdeFitLimit, int[] inlineLabels) {
  public InformationRequest {
    kdeFitSplit = Objects.requireNonNullElse(kdeFitSplit, "");
    if (!kdeFitSplit.isEmpty() && !kdeFitSplit.equals("train") && !kdeFitSplit.equals("test")) {
      throw new InvalidEvaluationException(
          "kde_fit_split must be \"train\", \"test\" or empty, got \"" + kdeFitSplit + "\"");
    }
    if (kdeFitLimit < 0) {
      throw new InvalidEvaluationException("kde_fit_limit must be >= 0, got " + kdeFitLimit);
    }
    if (inlineLabels != null) {
      inlineLabels = inlineLabels.clone();
      for (int i = 0; i < inlineLabels.length; i++) {
        if (inlineLabels[i] < 0) {
          throw new InvalidEvaluationException(
              "inline_labels[" + i + "] must be >= 0, got " + inlineLabels[i]);
        }
      }
    }
  }

  /** No fit split, no inline labels. */
  public static InformationRequest none() {
    return new InformationRequest("", 0, null);
  }

  @Override
  public int[] inlineLabels() {
    return inlineLabels == null ? null : inlineLabels.clone();
  }

  /** The number of classes of the inline labels: the largest + 1; 0 without labels. */
  public int inlineClasses() {
    int max = -1;
    if (inlineLabels != null) {
      for (int label : inlineLabels) {
        max = Math.max(max, label);
      }
    }
    return max + 1;
  }
}
