package dev.iclab.cli.tune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.iclab.data.Example;
import dev.iclab.data.Task;
import dev.iclab.icl.Calibrator;
import dev.iclab.icl.IclEvaluator;
import dev.iclab.lm.NonFiniteException;
import dev.iclab.lm.tokenizer.Tokenizer;
import dev.iclab.tune.Tuner;
import java.util.List;

/**
 * Zero-shot accuracy of a model with a tuning method attached, scored as {@code iclab eval --shots
 * 0 --scoring sum --calibrate none} scores: the same prompt ids and candidate ids ({@link
 * IclEvaluator#tokenize}), each label word's summed log-probability, the first best label wins.
 * Every candidate of a query is one row of a right-padded batch run through the tuner's forward
 * options, so prefix and prompt tuning are active too.
 */
public final class ZeroShotAccuracy {
  private final Tuner tuner;
  private final Task task;
  private final IclEvaluator evaluator;

  public ZeroShotAccuracy(Tuner tuner, Task task, Tokenizer tokenizer) {
    this.tuner = tuner;
    this.task = task;
    this.evaluator = new IclEvaluator(tuner.model(), tokenizer);
  }

  /** Fraction of {@code queries} whose gold label scores highest. */
  public double accuracy(List<Example> queries) {
    int correct = 0;
    for (Example query : queries) {
      correct += Calibrator.argmax(scores(query)) == query.label() ? 1 : 0;
    }
    return (double) correct / queries.size();
  }

  /** Summed natural-log probability of each label word after the query's zero-shot prompt. */
  public double[] scores(Example query) {
    IclEvaluator.Tokens t = evaluator.tokenize(TaskTraining.zeroShot(task, query));
    int[] context = t.context();
    List<int[]> candidates = t.candidates();
    int rows = candidates.size();
    int longest = candidates.stream().mapToInt(c -> c.length).max().orElseThrow();
    int length = context.length + longest;
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
    NonFiniteException.requireFinite(picked, "dev evaluation");
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
