package dev.iclab.icl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Lu et al. 2022's entropy statistics for ranking demonstration orders without labelled data. Each
 * order's predictions on a probing set are label distributions p(y | probe, order):
 *
 * <ul>
 *   <li>GlobalE: the entropy of the histogram of predicted labels (argmax) over the probing set;
 *       high means the order does not push every probe to one label.
 *   <li>LocalE: the mean entropy of the per-probe distributions.
 * </ul>
 *
 * Entropies are in nats; the best orders have the highest values.
 */
public final class OrderEntropy {
  private OrderEntropy() {}

  /** Entropy of the predicted-label histogram. */
  public static double globalE(List<double[]> distributions) {
    int labels = distributions.get(0).length;
    double[] histogram = new double[labels];
    for (double[] p : distributions) {
      histogram[Calibrator.argmax(p)] += 1.0 / distributions.size();
    }
    return entropy(histogram);
  }

  /** Mean entropy of the distributions. */
  public static double localE(List<double[]> distributions) {
    return distributions.stream().mapToDouble(OrderEntropy::entropy).average().orElse(0);
  }

  public static double entropy(double[] p) {
    double h = 0;
    for (double v : p) {
      if (v > 0) {
        h -= v * Math.log(v);
      }
    }
    return h;
  }

  /**
   * Indices of the {@code top} highest scores, best first (ties: lower index first).
   *
   * @param scores one statistic per order
   */
  public static List<Integer> best(double[] scores, int top) {
    List<Integer> index = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      index.add(i);
    }
    index.sort(
        Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(Integer::intValue));
    return List.copyOf(index.subList(0, Math.min(top, index.size())));
  }
}
