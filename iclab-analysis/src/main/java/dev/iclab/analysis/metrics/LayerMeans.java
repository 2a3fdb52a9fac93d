package dev.iclab.analysis.metrics;

import java.util.Arrays;
import java.util.List;

/**
 * A per-example, per-layer metric averaged over examples for each layer, and overall (the mean of
 * the layer means).
 *
 * @param perLayer mean over examples for each layer; NaN where there were no examples
 * @param overall mean of {@code perLayer}; NaN when there were no examples
 * @param examples how many examples were averaged
 */
public record LayerMeans(double[] perLayer, double overall, int examples) {
  public LayerMeans {
    perLayer = perLayer.clone();
  }

  /**
   * @param values one array per example, each with one value per layer
   * @param layers the number of layers (the result's length even when there are no examples)
   */
  public static LayerMeans of(List<double[]> values, int layers) {
    double[] sums = new double[layers];
    for (double[] v : values) {
      if (v.length != layers) {
        throw new IllegalArgumentException(
            "an example has " + v.length + " layer values, expected " + layers);
      }
      for (int l = 0; l < layers; l++) {
        sums[l] += v[l];
      }
    }
    double[] means = new double[layers];
    for (int l = 0; l < layers; l++) {
      means[l] = values.isEmpty() ? Double.NaN : sums[l] / values.size();
    }
    double overall = Arrays.stream(means).average().orElse(Double.NaN);
    return new LayerMeans(means, overall, values.size());
  }
}
