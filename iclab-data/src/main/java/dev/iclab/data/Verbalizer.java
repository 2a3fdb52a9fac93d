package dev.iclab.data;

import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Label index to label word and the word's tokens as a continuation ({@code answerPrefix + word},
 * encoded without special tokens). Rejects words that tokenize to nothing and words whose tokens
 * collide with another label's; multi-token words are allowed and listed by {@link #multiToken()}.
 */
public final class Verbalizer {
  private final List<String> words;
  private final List<int[]> tokens;

  private Verbalizer(List<String> words, List<int[]> tokens) {
    this.words = List.copyOf(words);
    this.tokens = tokens;
  }

  /**
   * @throws DatasetException when a word has no token or two words share their tokens
   */
  public static Verbalizer of(
      String task, List<String> words, String answerPrefix, Tokenizer tokenizer) {
    List<int[]> tokens = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      int[] ids = tokenizer.encode(answerPrefix + words.get(i), false);
      if (words.get(i).isBlank() || ids.length == 0) {
        throw new DatasetException(
            "task %s: label word %d '%s' tokenizes to nothing; give a non-empty label word"
                .formatted(task, i, words.get(i)));
      }
      for (int j = 0; j < i; j++) {
        if (Arrays.equals(tokens.get(j), ids)) {
          throw new DatasetException(
              "task %s: label words '%s' and '%s' have the same tokens %s; choose distinct words"
                  .formatted(task, words.get(j), words.get(i), Arrays.toString(ids)));
        }
      }
      tokens.add(ids);
    }
    return new Verbalizer(words, tokens);
  }

  public List<String> words() {
    return words;
  }

  public String word(int label) {
    return words.get(label);
  }

  /** Tokens of {@code answerPrefix + word(label)} encoded alone. */
  public int[] tokens(int label) {
    return tokens.get(label).clone();
  }

  /** Words of more than one token. */
  public List<String> multiToken() {
    List<String> multi = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      if (tokens.get(i).length > 1) {
        multi.add(words.get(i));
      }
    }
    return multi;
  }

  /** Whether first-token scoring can tell every label apart. */
  public boolean firstTokensDistinct() {
    return tokens.stream().mapToInt(t -> t[0]).distinct().count() == tokens.size();
  }
}
