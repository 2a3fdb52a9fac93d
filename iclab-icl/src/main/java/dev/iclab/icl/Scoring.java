package dev.iclab.icl;

import dev.iclab.Flags;
import dev.iclab.lm.score.ContinuationScore;
import java.util.List;

/** How a label word's token log-probabilities become one score. */
public enum Scoring {
  SUM,
  MEAN,
  FIRST_TOKEN;

  public String flag() {
    return Flags.of(this);
  }

  public static Scoring parse(String spec) {
    return Flags.parse(values(), spec, "unknown --scoring '%s'; use sum, mean or first-token");
  }

  public double score(ContinuationScore c) {
    return switch (this) {
      case SUM -> c.sum();
      case MEAN -> c.mean();
      case FIRST_TOKEN -> c.first();
    };
  }

  /** One score per label. */
  public double[] scores(List<ContinuationScore> candidates) {
    return candidates.stream().mapToDouble(this::score).toArray();
  }
}
