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
    return ofAll(tokenizer, List.of(context), List.of(continuations)).get(0);
  }

  /**
   * {@link #of} for each context and its continuations, with all the texts encoded in one {@link
   * Tokenizer#encodeAll} call.
   */
  public static List<ContinuationTokens> ofAll(
      Tokenizer tokenizer, List<String> contexts, List<List<String>> continuations) {
    if (contexts.size() != continuations.size()) {
      throw new IllegalArgumentException(
          contexts.size() + " contexts but " + continuations.size() + " continuation lists");
    }
    List<String> texts = new ArrayList<>();
    List<String> movedSpace = new ArrayList<>(contexts.size()); // trailing whitespace, per context
    for (int i = 0; i < contexts.size(); i++) {
      String trimmed = contexts.get(i).stripTrailing();
      String moved = contexts.get(i).substring(trimmed.length());
      movedSpace.add(moved);
      texts.add(trimmed);
      for (String continuation : continuations.get(i)) {
        texts.add(trimmed + moved + continuation);
      }
    }
    List<int[]> encoded = tokenizer.encodeAll(texts, true);
    List<ContinuationTokens> out = new ArrayList<>(contexts.size());
    int at = 0;
    for (int i = 0; i < contexts.size(); i++) {
      String moved = movedSpace.get(i);
      int[] contextIds = encoded.get(at++);
      List<String> own = continuations.get(i);
      List<int[]> tokens = new ArrayList<>();
      boolean[] merged = new boolean[own.size()];
      for (int j = 0; j < own.size(); j++) {
        int[] whole = encoded.get(at++);
        merged[j] =
            whole.length < contextIds.length
                || !Arrays.equals(Arrays.copyOf(whole, contextIds.length), contextIds);
        int[] ids =
            Arrays.copyOfRange(whole, Math.min(contextIds.length, whole.length), whole.length);
        if (ids.length == 0) {
          ids = tokenizer.encode(moved + own.get(j), false);
          merged[j] = true;
        }
        tokens.add(ids);
      }
      out.add(new ContinuationTokens(contextIds, tokens, merged));
    }
    return out;
  }
}
