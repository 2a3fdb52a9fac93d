package dev.iclab.analysis.metrics;

/**
 * Similarity of Attention Output Updates (Dai et al. 2023). At the recorded position of one layer,
 * the attention outputs of ZSL, ICL and FT are L2-normalised; ICL's update is {@code icl - zsl},
 * FT's is {@code ft - zsl}; SimAOU is the cosine of the two updates. The baseline replaces FT's
 * update by a random vector with entries uniform in [0, 1); the mismatched baseline replaces it by
 * the FT update of another example, measuring the part of the agreement that all examples share.
 */
public final class SimAou {
  private SimAou() {}

  /** {@code tuned/|tuned| - base/|base|}. */
  public static double[] update(float[] base, float[] tuned) {
    if (base.length != tuned.length) {
      throw new IllegalArgumentException(
          "attention outputs of different sizes " + base.length + " and " + tuned.length);
    }
    double[] b = Vectors.normalized(base);
    double[] t = Vectors.normalized(tuned);
    for (int i = 0; i < t.length; i++) {
      t[i] -= b[i];
    }
    return t;
  }

  /** Cosine of the ICL and FT updates of one example at one layer. */
  public static double of(float[] zsl, float[] icl, float[] ft) {
    return Vectors.cosine(update(zsl, icl), update(zsl, ft));
  }

  /** Cosine of the ICL update with {@code random} (the published baseline). */
  public static double baseline(float[] zsl, float[] icl, double[] random) {
    return Vectors.cosine(update(zsl, icl), random);
  }

  /**
   * Cosine of one example's ICL update with another example's FT update (the mismatched baseline):
   * {@code zsl}, {@code icl} of the example, {@code otherZsl}, {@code otherFt} of the other one.
   */
  public static double mismatched(float[] zsl, float[] icl, float[] otherZsl, float[] otherFt) {
    return Vectors.cosine(update(zsl, icl), update(otherZsl, otherFt));
  }
}
