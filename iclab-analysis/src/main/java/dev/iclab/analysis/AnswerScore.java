package dev.iclab.analysis;

import dev.iclab.Flags;
import dev.iclab.lm.score.ContinuationScore;

/**
 * How a label word's tokens' log-probabilities become its score. Dai et al. average them ({@code
 * loss / loss_mask.sum(-1)} in their {@code criterions/fs_eval.py}); for single-token words both
 * are the same.
 */
public enum AnswerScore {
  MEAN,
  SUM;

  public String flag() {
    return Flags.of(this);
  }

  public double of(ContinuationScore score) {
    return this == MEAN ? score.mean() : score.sum();
  }

  /** What the score is, in words (for reports). */
  public String describe() {
    return this == MEAN
        ? "mean of the label word's token log-probabilities"
        : "sum of the label word's token log-probabilities";
  }

  public static AnswerScore parse(String spec) {
    return Flags.parse(
        values(), spec, "unknown --answer-score '%s'; use mean (Dai et al.'s) or sum");
  }
}
