package dev.iclab.lm.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Sliding-window perplexity against its definition, window by window, from token log-probs. */
class PerplexityTest {
  private static int[] randomIds(int n, int vocab) {
    Random random = new Random(5);
    return random.ints(n, 0, vocab).toArray();
  }

  private static double windowNll(Scorer scorer, int[] ids, int begin, int end, int targets) {
    float[] logProbs = scorer.tokenLogProbs(Arrays.copyOfRange(ids, begin, end)); // end-begin-1
    double nll = 0;
    for (int i = logProbs.length - Math.min(targets, logProbs.length); i < logProbs.length; i++) {
      nll -= logProbs[i];
    }
    return nll;
  }

  @Test
  void oneWindowIsMeanNegativeLogLikelihood() {
    try (CausalLM model =
        ModelLoader.standard().load(TestModels.model("synthetic/llama-tiny-untied"))) {
      int[] ids = randomIds(40, model.config().vocabSize());
      Scorer scorer = new Scorer(model);
      double nll = windowNll(scorer, ids, 0, ids.length, ids.length);
      Perplexity.Result result = Perplexity.compute(model, ids, 64, 32, null);
      assertEquals(ids.length - 1, result.tokens());
      assertEquals(1, result.windows());
      assertEquals(nll, result.nll(), 1e-3);
      assertEquals(
          Math.exp(nll / (ids.length - 1)), result.perplexity(), 1e-6 * result.perplexity());
    }
  }

  @Test
  void overlappingWindowsScoreOnlyTheirNewTokens() {
    try (CausalLM model = ModelLoader.standard().load(TestModels.model("synthetic/gpt2-tiny"))) {
      int[] ids = randomIds(100, model.config().vocabSize());
      Scorer scorer = new Scorer(model);
      int maxLength = 32;
      int stride = 12;
      // HF guide: window [begin, begin + maxLength), targets = end - previous end (last tokens).
      double nll = 0;
      long tokens = 0;
      int previousEnd = 0;
      int windows = 0;
      for (int begin = 0; begin < ids.length; begin += stride) {
        int end = Math.min(begin + maxLength, ids.length);
        int targets = Math.min(end - previousEnd, end - begin - 1);
        nll += windowNll(scorer, ids, begin, end, targets);
        tokens += targets;
        previousEnd = end;
        windows++;
        if (end == ids.length) {
          break;
        }
      }
      Perplexity.Result result = Perplexity.compute(model, ids, maxLength, stride, null);
      assertEquals(ids.length - 1, tokens, "every token after the first is predicted once");
      assertEquals(tokens, result.tokens());
      assertEquals(windows, result.windows());
      assertEquals(nll, result.nll(), 1e-3);
    }
  }
}
