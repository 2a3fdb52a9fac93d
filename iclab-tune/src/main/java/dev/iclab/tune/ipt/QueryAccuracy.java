package dev.iclab.tune.ipt;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.LabelScores;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.score.PackedScorer;
import dev.iclab.lm.score.ScoreRequest;
import dev.iclab.lm.score.Scorer;
import dev.iclab.tune.Tuner;
import java.util.List;

/**
 * Accuracy of a tuned model on tokenized queries, scored as {@code iclab eval --shots 0 --scoring
 * sum}: each label word's summed log-probability after the context, the first best label wins. A
 * tuner that puts one soft prompt before every row (prompt tuning, IST) has the prompt {@link
 * CausalLM#prefill prefilled} once and all queries scored after it by the {@link PackedScorer}; any
 * other tuner has each query's candidates run as one right-padded batch through its forward options
 * ({@link Scorer#scoreRows}). The two agree within float rounding.
 */
public final class QueryAccuracy {
  private QueryAccuracy() {}

  /** Fraction of {@code queries} whose gold label scores highest. */
  public static double of(Tuner tuner, List<LabeledQuery> queries) {
    List<double[]> scores = scores(tuner, queries);
    int correct = 0;
    for (int i = 0; i < queries.size(); i++) {
      correct += LabelScores.argmax(scores.get(i)) == queries.get(i).label() ? 1 : 0;
    }
    return (double) correct / queries.size();
  }

  /** Summed natural-log probability of each label word after each query's context. */
  public static List<double[]> scores(Tuner tuner, List<LabeledQuery> queries) {
    CausalLM model = tuner.model();
    try (NDManager scope = model.manager().newSubManager()) {
      ForwardOptions options = tuner.forwardOptions(scope, 1);
      if (options.onlySharedPrefix()) {
        KvCache prompt = model.newCache(scope);
        model.prefill(scope, options.inputPrefix(), prompt);
        List<ScoreRequest> requests =
            queries.stream().map(q -> new ScoreRequest(q.context(), q.candidates())).toList();
        return new PackedScorer(model)
            .score(prompt, requests).stream().map(QueryAccuracy::sums).toList();
      }
    }
    return queries.stream().map(q -> scores(tuner, q)).toList();
  }

  /** Summed natural-log probability of each label word after the query's context, one batch. */
  public static double[] scores(Tuner tuner, LabeledQuery query) {
    return sums(
        new Scorer(tuner.model())
            .scoreRows(query.context(), query.candidates(), tuner::forwardOptions));
  }

  private static double[] sums(List<ContinuationScore> scores) {
    return scores.stream().mapToDouble(ContinuationScore::sum).toArray();
  }
}
