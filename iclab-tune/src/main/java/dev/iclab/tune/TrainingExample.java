package dev.iclab.tune;

/**
 * One training sequence.
 *
 * @param ids token ids
 * @param lossFrom the first position whose token is predicted in the loss: 0 or 1 for the whole
 *     text, the answer's first position for answer-only losses
 */
public record TrainingExample(int[] ids, int lossFrom) {
  public TrainingExample {
    if (ids.length < 2) {
      throw new IllegalArgumentException(
          "a training sequence needs at least 2 tokens, got " + ids.length);
    }
    if (lossFrom < 0 || lossFrom >= ids.length) {
      throw new IllegalArgumentException(
          "lossFrom " + lossFrom + " outside a sequence of " + ids.length);
    }
    ids = ids.clone();
  }

  /** Loss over the whole text. */
  public static TrainingExample of(int... ids) {
    return new TrainingExample(ids, 0);
  }

  /** Tokens the loss counts. */
  public int predictedTokens() {
    return ids.length - Math.max(1, lossFrom);
  }
}
