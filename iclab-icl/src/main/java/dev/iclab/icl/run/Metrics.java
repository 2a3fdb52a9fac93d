package dev.iclab.icl.run;

import java.util.Arrays;
import java.util.List;

/** Accuracy, macro-F1 and spread statistics. */
public final class Metrics {
  private Metrics() {}

  public static double accuracy(int[] gold, int[] predicted) {
    int correct = 0;
    for (int i = 0; i < gold.length; i++) {
      correct += gold[i] == predicted[i] ? 1 : 0;
    }
    return gold.length == 0 ? 0 : (double) correct / gold.length;
  }

  /**
   * Macro-F1: the mean over labels of 2 TP / (2 TP + FP + FN); a label that is neither gold nor
   * predicted for any example is left out.
   */
  public static double macroF1(int[] gold, int[] predicted, int numLabels) {
    double sum = 0;
    int counted = 0;
    for (int label = 0; label < numLabels; label++) {
      int tp = 0;
      int fp = 0;
      int fn = 0;
      for (int i = 0; i < gold.length; i++) {
        boolean g = gold[i] == label;
        boolean p = predicted[i] == label;
        tp += g && p ? 1 : 0;
        fp += !g && p ? 1 : 0;
        fn += g && !p ? 1 : 0;
      }
      if (tp + fp + fn == 0) {
        continue;
      }
      sum += 2.0 * tp / (2.0 * tp + fp + fn);
      counted++;
    }
    return counted == 0 ? 0 : sum / counted;
  }

  public static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }

  /** Sample standard deviation (n - 1); 0 for fewer than two values. */
  public static double std(List<Double> values) {
    if (values.size() < 2) {
      return 0;
    }
    double m = mean(values);
    double ss = 0;
    for (double v : values) {
      ss += (v - m) * (v - m);
    }
    return Math.sqrt(ss / (values.size() - 1));
  }

  /** Median (mean of the middle two for an even count). */
  public static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    if (n == 0) {
      return 0;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  public static double min(List<Double> values) {
    return Arrays.stream(values.stream().mapToDouble(Double::doubleValue).toArray())
        .min()
        .orElse(0);
  }

  public static double max(List<Double> values) {
    return Arrays.stream(values.stream().mapToDouble(Double::doubleValue).toArray())
        .max()
        .orElse(0);
  }
}
