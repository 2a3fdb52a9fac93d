package dev.iclab.tune.ipt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.NonFiniteException;
import dev.iclab.tune.Tuner;
import java.util.List;

/**
 * Accuracy of a tuned model on tokenized queries, scored as {@code iclab eval --shots 0 --scoring
 * sum}: each label word's summed log-probability after the context, the first best label wins.
 * Every candidate of a query is one row of a right-padded batch run through the tuner's forward
 * options, so a soft prompt is active.
 */
public final class QueryAccuracy {
  private QueryAccuracy() {}

  /** Fraction of {@code queries} whose gold label scores highest. */
  public static double of(Tuner tuner, List<LabeledQuery> queries) {
    int correct = 0;
    for (LabeledQuery q : queries) {
      double[] scores = scores(tuner, q);
      int best = 0;
      for (int i = 1; i < scores.length; i++) {
        if (scores[i] > scores[best]) {
          best = i;
        }
      }
      correct += best == q.label() ? 1 : 0;
    }
    return (double) correct / queries.size();
  }

  /** Summed natural-log probability of each label word after the query's context. */
  public static double[] scores(Tuner tuner, LabeledQuery query) {
    int[] context = query.context();
    List<int[]> candidates = query.candidates();
    int rows = candidates.size();
    int length = query.longest();
    long[] ids = new long[rows * length];
    long[] targets = new long[rows * (length - 1)];
    for (int r = 0; r < rows; r++) {
      int[] c = candidates.get(r);
      for (int i = 0; i < length; i++) {
        int id =
            i < context.length
                ? context[i]
                : i - context.length < c.length ? c[i - context.length] : 0;
        ids[r * length + i] = id;
        if (i >= 1) {
          targets[r * (length - 1) + i - 1] = id;
        }
      }
    }
    float[] picked;
    try (NDManager scope = tuner.model().manager().newSubManager()) {
      NDArray input = scope.create(ids, new Shape(rows, length)); // [rows, T]
      NDArray logits = tuner.model().forward(scope, input, tuner.forwardOptions(scope, rows));
      NDArray logp = logits.get(":, :-1, :").logSoftmax(-1); // [rows, T-1, V]
      NDArray target = scope.create(targets, new Shape(rows, length - 1, 1));
      picked =
          logp.gather(target, 2).toType(DataType.FLOAT32, false).toFloatArray(); // [rows*(T-1)]
    }
    NonFiniteException.requireFinite(picked, "evaluation");
    double[] scores = new double[rows];
    for (int r = 0; r < rows; r++) {
      // token i of the candidate sits at position context + i, predicted from the one before
      for (int i = 0; i < candidates.get(r).length; i++) {
        scores[r] += picked[r * (length - 1) + context.length + i - 1];
      }
    }
    return scores;
  }
}
