package dev.iclab.lm.score;

import java.util.List;

/**
 * A context's tokens and the continuations to score after it.
 *
 * @param context at least one token (for {@link PackedScorer}, the tokens after the shared prefix)
 * @param continuations each at least one token
 */
public record ScoreRequest(int[] context, List<int[]> continuations) {
  public ScoreRequest {
    if (context.length == 0) {
      throw new IllegalArgumentException("empty context: prepend BOS");
    }
    for (int[] c : continuations) {
      if (c.length == 0) {
        throw new IllegalArgumentException("empty continuation");
      }
    }
    context = context.clone();
    continuations = List.copyOf(continuations);
  }

  /** The longest continuation's length (0 without continuations). */
  int longestContinuation() {
    return continuations.stream().mapToInt(c -> c.length).max().orElse(0);
  }
}
