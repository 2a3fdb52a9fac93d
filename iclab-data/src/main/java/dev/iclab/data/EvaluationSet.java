package dev.iclab.data;

import dev.iclab.IclabException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The queries of an evaluation: the task's evaluation split shuffled with {@code
 * java.util.Random(seed)}, cut to {@code cap} (Dai et al.: seed 1, 2,000), then to {@code limit}.
 */
public final class EvaluationSet {
  private EvaluationSet() {}

  /**
   * @param limit keep only the first {@code limit} after the cap; null keeps them all
   * @throws IclabException when nothing is left to evaluate
   */
  public static List<Example> of(Task task, Dataset eval, int cap, Integer limit, long seed) {
    List<Example> queries = new ArrayList<>(eval.examples());
    Collections.shuffle(queries, new Random(seed));
    int count = Math.min(queries.size(), cap);
    if (limit != null) {
      count = Math.min(count, limit);
    }
    if (count == 0) {
      throw new IclabException(
          "the evaluation set of task %s is empty (%s: %d rows, %d skipped); nothing to evaluate"
              .formatted(task.name(), eval.source(), eval.size(), eval.skippedRows()));
    }
    return List.copyOf(queries.subList(0, count));
  }
}
