package dev.iclab.cli;

import dev.iclab.IclabException;
import dev.iclab.lm.LanguageModel;
import java.util.Arrays;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The input of a run: text ({@code --prompt}) or token ids ({@code --ids}), exactly one. */
public final class PromptOptions {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(
        names = {"-p", "--prompt"},
        paramLabel = "TEXT",
        description = "Prompt text, encoded with the model's tokenizer (special tokens included).")
    String prompt;

    @Option(
        names = "--ids",
        split = ",",
        paramLabel = "ID",
        description = "Prompt as comma-separated token ids, e.g. 1,2,3.")
    int[] ids;
  }

  /**
   * The prompt's token ids.
   *
   * @throws IclabException for an empty prompt or ids outside the vocabulary
   */
  public int[] ids(LanguageModel lm) {
    int[] ids;
    if (source.prompt != null) {
      if (source.prompt.isEmpty()) {
        throw new IclabException("the prompt is empty; give --prompt with some text");
      }
      ids = lm.requireTokenizer().encode(source.prompt);
    } else {
      ids = source.ids;
    }
    if (ids.length == 0) {
      throw new IclabException("the prompt encodes to no tokens; give a longer --prompt or --ids");
    }
    int vocab = lm.model().config().vocabSize();
    for (int id : ids) {
      if (id < 0 || id >= vocab) {
        throw new IclabException(
            "token id %d in %s is outside the vocabulary [0, %d)"
                .formatted(id, Arrays.toString(ids), vocab));
      }
    }
    return ids;
  }
}
