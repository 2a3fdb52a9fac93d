package dev.iclab.tune.ipt;

import dev.iclab.tune.TrainingExample;
import java.util.List;

/**
 * A training task of MSF: its prompt-tuned soft prompt and its training examples.
 *
 * @param prompt the prompt, P x d row-major
 */
public record TaskPrompt(String name, float[] prompt, List<TrainingExample> train) {
  public TaskPrompt {
    prompt = prompt.clone();
    train = List.copyOf(train);
    if (train.isEmpty()) {
      throw new IllegalArgumentException("task " + name + " has no training example");
    }
  }
}
