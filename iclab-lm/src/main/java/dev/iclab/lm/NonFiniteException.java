package dev.iclab.lm;

import dev.iclab.IclabException;

/**
 * The model computed NaN or +infinity where a number was needed (a logit, a log-probability, a
 * loss). Every result after it would be garbage that looks like a result (an argmax of NaNs picks
 * the first label), so the run stops instead.
 */
public class NonFiniteException extends IclabException {
  private static final long serialVersionUID = 1L;

  public NonFiniteException(String message) {
    super(message);
  }

  /**
   * Fails when any value is NaN or +infinity (-infinity is a legitimate log-probability of zero).
   *
   * @param where the step, e.g. "generation step 3" or "scoring a continuation"
   */
  public static void requireFinite(float[] values, String where) {
    for (float v : values) {
      if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
        throw at(v, where);
      }
    }
  }

  /** The failure for a value {@code value} computed at {@code where}. */
  public static NonFiniteException at(double value, String where) {
    return new NonFiniteException(
        ("the model computed %s at %s, so no result can be trusted; the model is numerically"
                + " broken: check config.json (a normalisation epsilon, rope_theta) and the"
                + " scale of its weights, or restore a sound checkpoint")
            .formatted(value, where));
  }
}
