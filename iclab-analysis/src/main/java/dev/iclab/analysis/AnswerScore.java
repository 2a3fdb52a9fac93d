package dev.iclab.analysis;

import dev.iclab.IclabException;
import dev.iclab.lm.score.ContinuationScore;

/**
 * How a label word's tokens' log-probabilities become its score. Dai et al. average them ({@code
 * loss / loss_mask.sum(-1)} in their {@code criterions/fs_eval.py}); for single-token words both
 * are the same.
 */
public enum AnswerScore {
  MEAN("mean"),
  SUM("sum");

  private final String flag;

  AnswerScore(String flag) {
    this.flag = flag;
  }

  public String flag() {
    return flag;
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
    for (AnswerScore s : values()) {
      if (s.flag.equals(spec)) {
        return s;
      }
    }
    throw new IclabException(
        "unknown --answer-score '%s'; use mean (Dai et al.'s) or sum".formatted(spec));
  }
}
