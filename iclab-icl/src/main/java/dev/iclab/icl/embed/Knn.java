package dev.iclab.icl.embed;

import java.util.Arrays;

/** Cosine nearest neighbours over L2-normalised vectors (cosine = dot product). */
public final class Knn {
  private Knn() {}

  public static float[] normalise(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = norm == 0 ? 0 : (float) (v[i] / norm);
    }
    return out;
  }

  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    return dot;
  }

  /**
   * Indices of the {@code k} rows most similar to {@code query}, best first (ties: lower index).
   */
  public static int[] top(float[][] rows, float[] query, int k) {
    double[] similarity = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      similarity[i] = cosine(rows[i], query);
    }
    Integer[] order = new Integer[rows.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) ->
            similarity[a] != similarity[b]
                ? Double.compare(similarity[b], similarity[a])
                : Integer.compare(a, b));
    return Arrays.stream(order).limit(k).mapToInt(i -> i).toArray();
  }
}
