package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.tune.lora.LoraConfig;
import dev.iclab.tune.lora.LoraTuner;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loss counts only the tokens from {@code lossFrom} on (answer-only classification loss). */
class AnswerOnlyLossTest {
  /** Mean negative log-likelihood of tokens {@code from..} given the ones before, from logits. */
  private static double reference(float[] logits, int[] ids, int vocab, int from) {
    double total = 0;
    int count = 0;
    for (int t = Math.max(1, from); t < ids.length; t++) {
      int row = (t - 1) * vocab;
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < vocab; v++) {
        max = Math.max(max, logits[row + v]);
      }
      double sum = 0;
      for (int v = 0; v < vocab; v++) {
        sum += Math.exp(logits[row + v] - max);
      }
      total += -(logits[row + ids[t]] - max - Math.log(sum));
      count++;
    }
    return total / count;
  }

  @Test
  void lossCountsOnlyTheAnswerTokensEvenInAPaddedBatch() {
    List<TrainingExample> stories = Methods.stories();
    int[] a = stories.get(0).ids();
    int[] b = stories.get(1).ids();
    try (CausalLM model = Methods.load("tinystories-656k");
        LoraTuner tuner = new LoraTuner(model, new LoraConfig(2, 4, 0, List.of("q_proj")), 1)) {
      int vocab = model.config().vocabSize();
      int fromA = a.length - 3;
      int fromB = b.length - 1;
      double expectedA = reference(TunerTest.logits(tuner, a), a, vocab, fromA);
      double expectedB = reference(TunerTest.logits(tuner, b), b, vocab, fromB);
      try (NDManager scope = model.manager().newSubManager()) {
        double one =
            BatchLoss.batchLoss(scope, tuner, List.of(new TrainingExample(a, fromA)), 0).getFloat();
        assertEquals(expectedA, one, 1e-5);
        // two rows of different lengths: the mean over the 3 + 1 answer tokens, padding ignored
        double both =
            BatchLoss.batchLoss(
                    scope,
                    tuner,
                    List.of(new TrainingExample(a, fromA), new TrainingExample(b, fromB)),
                    0)
                .getFloat();
        assertEquals((3 * expectedA + expectedB) / 4, both, 1e-5);
        double whole =
            BatchLoss.batchLoss(scope, tuner, List.of(TrainingExample.of(a)), 0).getFloat();
        assertEquals(reference(TunerTest.logits(tuner, a), a, vocab, 0), whole, 1e-5);
      }
    }
  }
}
