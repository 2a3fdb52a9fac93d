package dev.iclab.data.fewshot;

import dev.iclab.data.DatasetException;
import dev.iclab.data.Task;
import java.util.List;

/**
 * A task of a few-shot study: a whole task (e.g. {@code trec}) or one pair of a multi-class task's
 * classes as a binary task (e.g. {@code trec:DESC-vs-HUM}).
 *
 * @param name the stable name a split file lists
 * @param task the task as it is scored: for a pair, the base task's template with the two classes'
 *     label names and words (labels 0 and 1) and no instruction (the base's names every class)
 * @param base the task whose files hold the data
 * @param baseLabels the base labels this task keeps, in its own label order (all of them for a
 *     whole task)
 * @param testFromPool whether the base has a single labelled file: the test examples are then the
 *     pool's rows left after drawing train and dev
 */
public record FewShotTask(
    String name, Task task, Task base, List<Integer> baseLabels, boolean testFromPool) {
  public FewShotTask {
    baseLabels = List.copyOf(baseLabels);
    if (baseLabels.size() != task.numLabels()) {
      throw new DatasetException(
          "few-shot task %s keeps %d base labels but has %d labels"
              .formatted(name, baseLabels.size(), task.numLabels()));
    }
  }

  /** This task's label of a base label, or -1 when the base label is not kept. */
  public int labelOf(int baseLabel) {
    return baseLabels.indexOf(baseLabel);
  }

  /** Whether this is a pair derived from a multi-class task. */
  public boolean derived() {
    return name.contains(":");
  }
}
