package dev.iclab.tune.ipt;

import dev.iclab.lm.LabelScores;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.score.Scorer;
import dev.iclab.tune.Tuner;
import java.util.List;

/**
 * Accuracy of a tuned model on tokenized queries, scored as {@code iclab eval --shots 0 --scoring
 * sum}: each label word's summed log-probability after the context, the first best label wins.
 * Every candidate of a query is one row of a right-padded batch run through the tuner's forward
 * options ({@link Scorer#scoreRows}), so a soft prompt is active.
 */
public final class QueryAccuracy {
  private QueryAccuracy() {}

  /** Fraction of {@code queries} whose gold label scores highest. */
  public static double of(Tuner tuner, List<LabeledQuery> queries) {
    int correct = 0;
    for (LabeledQuery q : queries) {
      correct += LabelScores.argmax(scores(tuner, q)) == q.label() ? 1 : 0;
    }
    return (double) correct / queries.size();
  }

  /** Summed natural-log probability of each label word after the query's context. */
  public static double[] scores(Tuner tuner, LabeledQuery query) {
    return new Scorer(tuner.model())
        .scoreRows(query.context(), query.candidates(), tuner::forwardOptions).stream()
            .mapToDouble(ContinuationScore::sum)
            .toArray();
  }
}
