package dev.iclab.icl;

import dev.iclab.lm.LabelScores;
import dev.iclab.lm.NonFiniteException;

/**
 * Turns label scores into probabilities and, for contextual calibration (Zhao et al. 2021),
 * rescales them by the probabilities of content-free inputs: with p_cf the mean of the content-free
 * inputs' label distributions, W = diag(p_cf)^-1 and the calibrated distribution is W p
 * renormalised.
 */
public final class Calibrator {
  /** The content-free inputs of Zhao et al. */
  public static final java.util.List<String> CONTENT_FREE = java.util.List.of("N/A", "", "[MASK]");

  private final double[] contentFree;

  private Calibrator(double[] contentFree) {
    this.contentFree = contentFree;
  }

  /** No calibration: probabilities are the softmax of the scores. */
  public static Calibrator none() {
    return new Calibrator(null);
  }

  /**
   * @param contentFreeScores scores (log-likelihood per label) of each content-free input
   */
  public static Calibrator contextual(java.util.List<double[]> contentFreeScores) {
    int n = contentFreeScores.get(0).length;
    double[] mean = new double[n];
    for (double[] scores : contentFreeScores) {
      double[] p = softmax(scores);
      for (int i = 0; i < n; i++) {
        mean[i] += p[i] / contentFreeScores.size();
      }
    }
    return new Calibrator(mean);
  }

  /** p_cf, or null without calibration. */
  public double[] contentFreeProbabilities() {
    return contentFree == null ? null : contentFree.clone();
  }

  /** Label probabilities: softmax of the scores, then (if calibrating) W p renormalised. */
  public double[] probabilities(double[] scores) {
    double[] p = softmax(scores);
    if (contentFree == null) {
      return p;
    }
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] /= contentFree[i];
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** Index of the largest probability (the lowest index on ties). */
  public int predict(double[] scores) {
    return argmax(probabilities(scores));
  }

  /**
   * Index of the largest value (the lowest index on ties).
   *
   * @throws NonFiniteException for a NaN value: comparisons with NaN are all false, so it would
   *     silently pick the first label and count it as a prediction
   */
  public static int argmax(double[] values) {
    return LabelScores.argmax(values);
  }

  /** Softmax over the label set (scores are natural-log likelihoods). */
  public static double[] softmax(double[] scores) {
    double max = Double.NEGATIVE_INFINITY;
    for (double s : scores) {
      max = Math.max(max, s);
    }
    double[] p = new double[scores.length];
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(scores[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }
}
