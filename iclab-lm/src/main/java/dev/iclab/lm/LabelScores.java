package dev.iclab.lm;

/** The label a classifier's per-label scores pick. */
public final class LabelScores {
  private LabelScores() {}

  /**
   * Index of the largest value (the lowest index on ties).
   *
   * @throws NonFiniteException for a NaN value: comparisons with NaN are all false, so it would
   *     silently pick the first label and count it as a prediction
   */
  public static int argmax(double[] values) {
    for (double v : values) {
      if (Double.isNaN(v)) {
        throw NonFiniteException.at(v, "a label score");
      }
    }
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
