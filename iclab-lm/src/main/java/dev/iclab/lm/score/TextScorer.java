package dev.iclab.lm.score;

import dev.iclab.IclabException;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores text continuations of a text context, tokenized as lm-evaluation-harness does: trailing
 * whitespace of the context moves to the continuation; the continuation's tokens are those of
 * encode(context + continuation) after its first len(encode(context)) tokens; the model reads
 * encode(context) followed by them. When the tokenizer merges across the boundary (the whole
 * encoding does not start with the context's), the result says so instead of hiding it; if the
 * merge swallows the whole candidate (no token left after the context's length), the candidate is
 * encoded on its own (without special tokens) and flagged as merged.
 */
public final class TextScorer {
  private final Scorer scorer;
  private final Tokenizer tokenizer;

  public TextScorer(Scorer scorer, Tokenizer tokenizer) {
    this.scorer = scorer;
    this.tokenizer = tokenizer;
  }

  /**
   * One candidate's result.
   *
   * @param boundaryMerge whether encode(context + candidate) does not start with encode(context)
   */
  public record Result(String candidate, ContinuationScore score, boolean boundaryMerge) {}

  /**
   * Scores every candidate after the same context; the context is computed once.
   *
   * @throws IclabException for an empty context or a candidate that adds no token
   */
  public List<Result> score(String context, List<String> candidates) {
    String trimmed = context.stripTrailing();
    String moved = context.substring(trimmed.length());
    if (trimmed.isEmpty()) {
      throw new IclabException("the context is empty; give a non-empty --context");
    }
    int[] contextIds = tokenizer.encode(trimmed);
    List<int[]> continuations = new ArrayList<>();
    boolean[] merged = new boolean[candidates.size()];
    for (int i = 0; i < candidates.size(); i++) {
      int[] whole = tokenizer.encode(trimmed + moved + candidates.get(i));
      merged[i] =
          whole.length < contextIds.length
              || !Arrays.equals(Arrays.copyOf(whole, contextIds.length), contextIds);
      int[] tokens =
          Arrays.copyOfRange(whole, Math.min(contextIds.length, whole.length), whole.length);
      if (tokens.length == 0) {
        tokens = tokenizer.encode(moved + candidates.get(i), false);
        merged[i] = true;
      }
      if (tokens.length == 0) {
        throw new IclabException(
            "candidate '%s' adds no token after the context; give a non-empty candidate"
                .formatted(candidates.get(i)));
      }
      continuations.add(tokens);
    }
    List<ContinuationScore> scores = scorer.score(contextIds, continuations);
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      results.add(new Result(candidates.get(i), scores.get(i), merged[i]));
    }
    return results;
  }
}
