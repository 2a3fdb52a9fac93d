package dev.iclab.lm.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.tensor.SharedAssets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** lm-evaluation-harness's context/continuation split, one prompt at a time and in a batch. */
class ContinuationTokensTest {
  private static final List<String> CONTEXTS =
      List.of(
          "Review: a gripping film\nSentiment:", // the label word brings its own space
          "Review: dull\nSentiment: ", // trailing space moves to the continuation
          "The cat"); // "s" merges with " cat" into one token: swallowed
  private static final List<List<String>> CONTINUATIONS =
      List.of(List.of(" positive", " negative"), List.of("positive", "negative"), List.of("s"));

  @Test
  void batchEqualsOneAtATimeAndTheHarnessDefinition() {
    try (HfTokenizer tokenizer = HfTokenizer.load(SharedAssets.require("models/gpt2-tokenizer"))) {
      List<ContinuationTokens> all = ContinuationTokens.ofAll(tokenizer, CONTEXTS, CONTINUATIONS);
      assertEquals(CONTEXTS.size(), all.size());
      for (int i = 0; i < CONTEXTS.size(); i++) {
        ContinuationTokens one =
            ContinuationTokens.of(tokenizer, CONTEXTS.get(i), CONTINUATIONS.get(i));
        ContinuationTokens batched = all.get(i);
        String trimmed = CONTEXTS.get(i).stripTrailing();
        String moved = CONTEXTS.get(i).substring(trimmed.length());
        int[] context = tokenizer.encode(trimmed);
        assertArrayEquals(context, one.context());
        assertArrayEquals(context, batched.context());
        assertArrayEquals(one.boundaryMerge(), batched.boundaryMerge());
        for (int j = 0; j < CONTINUATIONS.get(i).size(); j++) {
          int[] whole = tokenizer.encode(trimmed + moved + CONTINUATIONS.get(i).get(j));
          int[] expected =
              Arrays.copyOfRange(whole, Math.min(context.length, whole.length), whole.length);
          if (expected.length == 0) {
            expected = tokenizer.encode(moved + CONTINUATIONS.get(i).get(j), false);
          }
          assertArrayEquals(expected, one.continuations().get(j));
          assertArrayEquals(expected, batched.continuations().get(j));
        }
      }
      assertFalse(all.get(0).boundaryMerge()[0]);
      assertFalse(all.get(1).boundaryMerge()[1]);
      assertTrue(
          all.get(2).boundaryMerge()[0], "' cats' is one token: the continuation is swallowed");
      assertArrayEquals(tokenizer.encode("s", false), all.get(2).continuations().get(0));
    }
  }

  @Test
  void contextsAndContinuationListsMustPair() {
    try (HfTokenizer tokenizer = HfTokenizer.load(SharedAssets.require("models/gpt2-tokenizer"))) {
      assertThrows(
          IllegalArgumentException.class,
          () -> ContinuationTokens.ofAll(tokenizer, CONTEXTS, CONTINUATIONS.subList(0, 2)));
    }
  }
}
