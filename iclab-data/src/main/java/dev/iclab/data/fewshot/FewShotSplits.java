package dev.iclab.data.fewshot;

import dev.iclab.data.Example;
import java.util.List;

/**
 * A few-shot task's data, labels in the task's own order.
 *
 * @param train K examples per class from the training pool
 * @param dev another K per class from the training pool, disjoint from train
 * @param test from the evaluation split (or the pool's rest), capped
 */
public record FewShotSplits(List<Example> train, List<Example> dev, List<Example> test) {
  public FewShotSplits {
    train = List.copyOf(train);
    dev = List.copyOf(dev);
    test = List.copyOf(test);
  }
}
