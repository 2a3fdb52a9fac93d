package dev.iclab.icl;

import dev.iclab.data.Task;
import dev.iclab.lm.ContextOverflowException;
import dev.iclab.lm.tokenizer.Tokenizer;

/**
 * Fits prompts into the context window: when instruction + demonstrations + query + the longest
 * answer would not fit, whole demonstrations are dropped from the far end (the first ones), never
 * cut; {@link Prompt#demos()} then says how many were used.
 */
public final class PromptBuilder {
  private final Task task;
  private final Tokenizer tokenizer;
  private final int contextLength;
  private final int longestAnswer;

  public PromptBuilder(Task task, Tokenizer tokenizer, int contextLength) {
    this.task = task;
    this.tokenizer = tokenizer;
    this.contextLength = contextLength;
    int longest = 0;
    for (String word : task.labelWords()) {
      longest =
          Math.max(longest, tokenizer.encode(task.template().answerPrefix() + word, false).length);
    }
    this.longestAnswer = longest;
  }

  /**
   * Fits a prompt, dropping demonstrations from the far end as needed.
   *
   * @throws ContextOverflowException when the query alone does not fit
   */
  public Prompt fit(Prompt prompt) {
    Prompt fitted = prompt;
    while (!fits(fitted)) {
      if (fitted.demos().isEmpty()) {
        throw new ContextOverflowException(
            "task %s, example %s: the query alone (%d tokens with its answer) exceeds the context window of %d; use a model with a longer context or shorter inputs"
                .formatted(
                    task.name(),
                    prompt.query().id(),
                    tokens(fitted) + longestAnswer,
                    contextLength));
      }
      fitted = fitted.dropFirst(1);
    }
    return fitted;
  }

  private boolean fits(Prompt prompt) {
    return tokens(prompt) + longestAnswer <= contextLength;
  }

  private int tokens(Prompt prompt) {
    return tokenizer.encode(prompt.text().stripTrailing()).length;
  }
}
