package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;

/** Picks the token positions a model predicts labels from. */
final class Predictions {
  private Predictions() {}

  /**
   * @param hidden [batch, tokens, width]
   * @param positions -1: the last token only; n >= 1: every n-th token from the first (the last
   *     token must be one of them)
   * @return [batch, width] or [batch, predictions, width]
   */
  static NDArray select(NDArray hidden, int positions) {
    if (positions < 0) {
      return hidden.get(":, -1, :"); // [batch, width]
    }
    long tokens = hidden.getShape().get(1);
    if ((tokens - 1) % positions != 0) {
      throw new IllegalArgumentException(
          "every " + positions + "-th of " + tokens + " tokens misses the query");
    }
    return hidden.get(":, 0::" + positions + ", :"); // [batch, predictions, width]
  }
}
