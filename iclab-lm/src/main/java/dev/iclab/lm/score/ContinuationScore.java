package dev.iclab.lm.score;

import dev.iclab.lm.NonFiniteException;

/**
 * Log-probabilities of a continuation's tokens given a context; NaN or +infinity is refused here,
 * so no score that reaches an argmax or an accuracy is garbage.
 *
 * @param tokens the continuation's token ids
 * @param tokenLogProbs natural-log probability of each token given everything before it
 */
public record ContinuationScore(int[] tokens, float[] tokenLogProbs) {
  public ContinuationScore {
    tokens = tokens.clone();
    tokenLogProbs = tokenLogProbs.clone();
    NonFiniteException.requireFinite(tokenLogProbs, "scoring a continuation");
  }

  /** Sum of the token log-probabilities (log P(continuation | context)). */
  public double sum() {
    double sum = 0;
    for (float lp : tokenLogProbs) {
      sum += lp;
    }
    return sum;
  }

  /** Mean log-probability per token. */
  public double mean() {
    return tokens.length == 0 ? 0 : sum() / tokens.length;
  }

  /** Log-probability of the first token alone. */
  public double first() {
    return tokenLogProbs.length == 0 ? 0 : tokenLogProbs[0];
  }
}
