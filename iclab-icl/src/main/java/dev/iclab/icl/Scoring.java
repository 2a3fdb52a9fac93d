package dev.iclab.icl;

import dev.iclab.IclabException;
import dev.iclab.lm.score.ContinuationScore;
import java.util.List;

/** How a label word's token log-probabilities become one score. */
public enum Scoring {
  SUM("sum"),
  MEAN("mean"),
  FIRST_TOKEN("first-token");

  private final String flag;

  Scoring(String flag) {
    this.flag = flag;
  }

  public String flag() {
    return flag;
  }

  public static Scoring parse(String spec) {
    for (Scoring s : values()) {
      if (s.flag.equals(spec)) {
        return s;
      }
    }
    throw new IclabException(
        "unknown --scoring '%s'; use sum, mean or first-token".formatted(spec));
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
