package dev.iclab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.lm.TestModels;
import dev.iclab.lm.tokenizer.HfTokenizer;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Label words against a real tokenizer (GPT-2's, from the tiny GPT-2 directory). */
class VerbalizerTest {
  @Test
  void tokensMultiTokenWordsAndRejections() {
    try (Tokenizer tokenizer = HfTokenizer.load(TestModels.model("tiny-gpt2-random"))) {
      Verbalizer v = Verbalizer.of("t", List.of("Negative", "Positive"), " ", tokenizer);
      assertArrayEquals(tokenizer.encode(" Negative", false), v.tokens(0));
      assertEquals(1, v.tokens(1).length, "' Positive' is one GPT-2 token");
      assertTrue(v.firstTokensDistinct());
      Verbalizer multi = Verbalizer.of("t", List.of("Sci/Tech", "World"), " ", tokenizer);
      assertEquals(List.of("Sci/Tech"), multi.multiToken());
      var empty =
          assertThrows(
              DatasetException.class, () -> Verbalizer.of("t", List.of("a", " "), "", tokenizer));
      assertTrue(empty.getMessage().contains("tokenizes to nothing"), empty.getMessage());
      var same =
          assertThrows(
              DatasetException.class,
              () -> Verbalizer.of("t", List.of("yes", "yes"), " ", tokenizer));
      assertTrue(same.getMessage().contains("have the same tokens"), same.getMessage());
    }
  }
}
