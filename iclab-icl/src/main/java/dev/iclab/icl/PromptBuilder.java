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
    if (fits(prompt)) {
      return prompt;
    }
    int demos = prompt.demos().size();
    Prompt alone = prompt.dropFirst(demos);
    if (!fits(alone)) {
      throw new ContextOverflowException(
          "task %s, example %s: the query alone (%d tokens with its answer) exceeds the context window of %d; use a model with a longer context or shorter inputs"
              .formatted(
                  task.name(), prompt.query().id(), tokens(alone) + longestAnswer, contextLength));
    }
    // The fewest demonstrations to drop, by bisection: dropping more never lengthens the prompt,
    // and with thousands of shots dropping one at a time would re-tokenize the prompt thousands
    // of times.
    int tooFew = 0; // dropping this many does not fit
    int enough = demos; // dropping this many fits
    while (enough - tooFew > 1) {
      int middle = (tooFew + enough) >>> 1;
      if (fits(prompt.dropFirst(middle))) {
        enough = middle;
      } else {
        tooFew = middle;
      }
    }
    return prompt.dropFirst(enough);
  }

  /** Whether the query alone (no demonstrations) and its longest answer fit the window. */
  public boolean queryFits(Prompt prompt) {
    return fits(prompt.dropFirst(prompt.demos().size()));
  }

  private boolean fits(Prompt prompt) {
    return tokens(prompt) + longestAnswer <= contextLength;
  }

  private int tokens(Prompt prompt) {
    return tokenizer.encode(prompt.text().stripTrailing()).length;
  }
}
