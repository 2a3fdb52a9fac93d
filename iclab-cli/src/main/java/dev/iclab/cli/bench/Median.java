package dev.iclab.cli.bench;

import java.util.Arrays;
import java.util.List;

/**
 * The median the benches report for repeated timings: the middle of the sorted values, for an even
 * count the upper of the two middle ones (a measured value, never an average of two).
 */
final class Median {
  private Median() {}

  static double of(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static double of(List<Double> values) {
    return of(values.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
