package dev.iclab.analysis.metrics;

/**
 * Similarity of Attention Maps (Dai et al. 2023): pre-softmax attention scores from the recorded
 * position to the query tokens, one row per head; the cosine of two settings' rows, averaged over
 * heads. ICL's row is first truncated to the positions ZSL also has (the query tokens), which the
 * caller does when recording.
 */
public final class SimAm {
  private SimAm() {}

  /**
   * @param a scores of one setting, [heads][query tokens]
   * @param b scores of the other setting, same shape
   * @return the mean cosine, or NaN (undefined) when the query has one token: the cosine of two
   *     one-element rows is only the product of their signs, not a similarity of maps
   */
  public static double of(float[][] a, float[][] b) {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException(
          "attention maps with " + a.length + " and " + b.length + " heads");
    }
    if (!isDefined(a)) {
      return Double.NaN;
    }
    double sum = 0;
    for (int h = 0; h < a.length; h++) {
      sum += Vectors.cosine(Vectors.toDouble(a[h]), Vectors.toDouble(b[h]));
    }
    return sum / a.length;
  }

  /** Whether SimAM is defined on maps of this shape: the query has at least two tokens. */
  public static boolean isDefined(float[][] scores) {
    return scores.length > 0 && scores[0].length >= 2;
  }
}
