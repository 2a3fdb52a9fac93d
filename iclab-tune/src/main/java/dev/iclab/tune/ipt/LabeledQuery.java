package dev.iclab.tune.ipt;

import dev.iclab.tune.TrainingExample;
import java.util.List;

/**
 * One classification example, tokenized: the prompt's ids, each label word's ids as they follow it,
 * and the gold label.
 *
 * @param context the prompt's token ids (instruction, template)
 * @param candidates the tokens of each label word after the context, in label order
 * @param label the gold label's index
 */
public record LabeledQuery(int[] context, List<int[]> candidates, int label) {
  public LabeledQuery {
    context = context.clone();
    candidates = candidates.stream().map(int[]::clone).toList();
    if (context.length == 0 || label < 0 || label >= candidates.size()) {
      throw new IllegalArgumentException(
          "a query needs a context and a label in [0, %d), got %d tokens and label %d"
              .formatted(candidates.size(), context.length, label));
    }
    for (int[] c : candidates) {
      if (c.length == 0) {
        throw new IllegalArgumentException("a label word tokenized to nothing");
      }
    }
  }

  /** The context followed by the gold word, the loss on the gold word's tokens only. */
  public TrainingExample trainingExample() {
    int[] answer = candidates.get(label);
    int[] ids = new int[context.length + answer.length];
    System.arraycopy(context, 0, ids, 0, context.length);
    System.arraycopy(answer, 0, ids, context.length, answer.length);
    return new TrainingExample(ids, context.length);
  }

  /** Tokens of the longest of context + label word. */
  public int longest() {
    return context.length + candidates.stream().mapToInt(c -> c.length).max().orElseThrow();
  }
}
