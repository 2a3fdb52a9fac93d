package dev.iclab.lm.score;

import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A text context and its continuations tokenized as lm-evaluation-harness does: trailing whitespace
 * of the context moves to the continuation; the continuation's tokens are those of encode(context +
 * continuation) after its first len(encode(context)) tokens; the model reads encode(context)
 * followed by them. When the tokenizer merges across the boundary (the whole encoding does not
 * start with the context's), {@code boundaryMerge} says so instead of hiding it; if the merge
 * swallows the whole continuation (no token left after the context's length), the continuation is
 * encoded on its own (without special tokens) and flagged as merged.
 *
 * @param context encode(context without trailing whitespace), with special tokens
 * @param continuations one token array per continuation, in order
 * @param boundaryMerge per continuation: whether the whole encoding did not start with the context
 */
public record ContinuationTokens(
    int[] context, List<int[]> continuations, boolean[] boundaryMerge) {

  /** Tokenizes {@code context} once and each of {@code continuations} after it. */
  public static ContinuationTokens of(
      Tokenizer tokenizer, String context, List<String> continuations) {
    String trimmed = context.stripTrailing();
    String moved = context.substring(trimmed.length());
    int[] contextIds = tokenizer.encode(trimmed);
    List<int[]> tokens = new ArrayList<>();
    boolean[] merged = new boolean[continuations.size()];
    for (int i = 0; i < merged.length; i++) {
      String continuation = moved + continuations.get(i);
      int[] whole = tokenizer.encode(trimmed + continuation);
      merged[i] =
          whole.length < contextIds.length
              || !Arrays.equals(Arrays.copyOf(whole, contextIds.length), contextIds);
      int[] own =
          Arrays.copyOfRange(whole, Math.min(contextIds.length, whole.length), whole.length);
      if (own.length == 0) {
        own = tokenizer.encode(continuation, false);
        merged[i] = true;
      }
      tokens.add(own);
    }
    return new ContinuationTokens(contextIds, tokens, merged);
  }
}
