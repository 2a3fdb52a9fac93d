package dev.iclab.experiments.ipt;

import dev.iclab.data.fewshot.FewShotSplits;
import dev.iclab.data.fewshot.FewShotTask;
import dev.iclab.tune.TrainingExample;
import dev.iclab.tune.ipt.LabeledQuery;
import java.util.List;

/**
 * One task of a study, sampled and tokenized.
 *
 * @param leftOut examples whose prompt, soft prompt and label word exceed the context window
 */
public record IptTask(
    FewShotTask task,
    FewShotSplits splits,
    List<LabeledQuery> train,
    List<LabeledQuery> dev,
    List<LabeledQuery> test,
    int leftOut) {
  public String name() {
    return task.name();
  }

  public List<TrainingExample> trainingExamples() {
    return train.stream().map(LabeledQuery::trainingExample).toList();
  }

  /** The accuracy of always answering the test split's most frequent label. */
  public double majority() {
    int[] counts = new int[task.task().numLabels()];
    test.forEach(q -> counts[q.label()]++);
    return (double) java.util.Arrays.stream(counts).max().orElse(0) / test.size();
  }
}
