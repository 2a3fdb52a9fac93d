package dev.iclab.icl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.data.Example;
import dev.iclab.data.Template;
import dev.iclab.lm.LanguageModel;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.cache.CachedPrefix;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.tensor.Tensors;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The prefix-cached path equals the naive full-prompt path, on the same token ids. */
class CachedScoringTest {
  private static final Template TEMPLATE = Template.of("Sentence: {sentence} Label:");
  // Multi-token words on both tokenizers, so the batched continuation path is exercised too.
  private static final List<String> WORDS = List.of("terrible", "Positive", "so-so");

  private static Example ex(String id, int label, String text) {
    return Examples.of(id, label, "sentence", text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tinystories-656k", "tiny-gpt2-random"})
  void cachedEqualsNaive(String name) {
    Tensors.configureOffline();
    try (LanguageModel lm = LanguageModel.open(TestModels.model(name), ai.djl.Device.cpu())) {
      IclEvaluator evaluator = new IclEvaluator(lm.model(), lm.requireTokenizer());
      List<Demo> demos =
          List.of(
              Demo.gold(ex("1", 1, "Lily was very happy with her new red ball.")),
              Demo.gold(ex("2", 0, "The dog was sad and lost in the rain.")),
              Demo.gold(ex("3", 2, "Tim ate an apple.")));
      Prompt base = new Prompt("Read each story.", demos, ex("q", 0, "x"), TEMPLATE, WORDS);
      List<Example> queries =
          List.of(
              ex("a", 1, "Once upon a time there was a happy cat."),
              ex("b", 0, "Sentence"),
              ex("c", 2, " leading space and trailing newline\n"),
              ex("d", 0, "N/A"));
      int reused = 0;
      try (CachedPrefix prefix = evaluator.openPrefix(base.prefixText())) {
        assertTrue(prefix.length() > 10, "the prefix is cached");
        for (Example query : queries) {
          Prompt prompt = base.withQuery(query);
          IclEvaluator.Scores naive = evaluator.scoreNaive(prompt);
          IclEvaluator.Scores cached = evaluator.scoreCached(prefix, prompt);
          reused += cached.prefixReused() ? 1 : 0;
          for (int label = 0; label < WORDS.size(); label++) {
            ContinuationScore n = naive.candidates().get(label);
            ContinuationScore c = cached.candidates().get(label);
            assertArrayEquals(n.tokens(), c.tokens(), name + " same candidate ids");
            assertArrayEquals(
                n.tokenLogProbs(), c.tokenLogProbs(), 1e-4f, name + " " + query.id() + " " + label);
          }
          int[] context = evaluator.tokenize(prompt).context();
          int[] prefixIds = lm.requireTokenizer().encode(prompt.prefixText());
          assertArrayEquals(
              Arrays.copyOf(prefixIds, prefix.length()),
              Arrays.copyOf(context, prefix.length()),
              "the cached ids are the start of the whole prompt's ids");
        }
      }
      assertEquals(queries.size(), reused, name + ": every query reused the prefix");
      assertTrue(
          Arrays.stream(evaluator.tokenize(base).candidates().toArray(int[][]::new))
              .anyMatch(c -> c.length > 1),
          "at least one multi-token label word");
    }
  }

  private static final List<Example> QUERIES =
      List.of(
          ex("a", 1, "Once upon a time there was a happy cat who liked to play all day."),
          ex("b", 0, "Sentence"),
          ex("c", 2, " leading space and trailing newline\n"),
          ex("d", 0, "N/A"),
          ex("e", 1, "Tom and Sue went to the park."));

  private static final List<Demo> DEMOS =
      List.of(
          Demo.gold(ex("1", 1, "Lily was very happy with her new red ball.")),
          Demo.gold(ex("2", 0, "The dog was sad and lost in the rain.")));

  private static void assertEqualsNaive(
      IclEvaluator evaluator, List<Prompt> prompts, List<IclEvaluator.Scores> scores, String what) {
    assertEquals(prompts.size(), scores.size());
    for (int q = 0; q < prompts.size(); q++) {
      IclEvaluator.Scores naive = evaluator.scoreNaive(prompts.get(q));
      for (int label = 0; label < WORDS.size(); label++) {
        ContinuationScore n = naive.candidates().get(label);
        ContinuationScore b = scores.get(q).candidates().get(label);
        assertArrayEquals(n.tokens(), b.tokens(), what + " same candidate ids");
        assertArrayEquals(
            n.tokenLogProbs(), b.tokenLogProbs(), 1e-4f, what + " query " + q + " label " + label);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tinystories-656k", "tiny-gpt2-random"})
  void packedBatchEqualsNaive(String name) {
    Tensors.configureOffline();
    try (LanguageModel lm = LanguageModel.open(TestModels.model(name), ai.djl.Device.cpu())) {
      IclEvaluator evaluator = new IclEvaluator(lm.model(), lm.requireTokenizer());
      // Few-shot over a demonstration cache, and zero-shot with and without an instruction.
      for (Prompt base :
          List.of(
              new Prompt("Read each story.", DEMOS, ex("q", 0, "x"), TEMPLATE, WORDS),
              new Prompt("", List.of(), ex("q", 0, "x"), TEMPLATE, WORDS),
              new Prompt("Read each story.", List.of(), ex("q", 0, "x"), TEMPLATE, WORDS))) {
        List<Prompt> prompts = QUERIES.stream().map(base::withQuery).toList();
        try (CachedPrefix prefix = evaluator.openPrefix(base.prefixText())) {
          List<IclEvaluator.Scores> batched = evaluator.scoreBatch(prefix, prompts);
          assertEqualsNaive(evaluator, prompts, batched, name + " [" + base.prefixText() + "]");
          if (prefix.length() > 0) {
            assertTrue(
                batched.stream().allMatch(IclEvaluator.Scores::prefixReused),
                name + ": the batch ran on the prefix cache");
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tinystories-656k", "tiny-gpt2-random"})
  void leftPaddedBatchesOfOwnDemonstrationsEqualNaive(String name) {
    // kNN/BM25-like: every query brings its own demonstrations (here: a different number), so no
    // prefix is shared; prompts of similar length go in one left-padded forward.
    Tensors.configureOffline();
    try (LanguageModel lm = LanguageModel.open(TestModels.model(name), ai.djl.Device.cpu())) {
      IclEvaluator evaluator = new IclEvaluator(lm.model(), lm.requireTokenizer());
      List<Prompt> prompts = new java.util.ArrayList<>();
      for (int q = 0; q < QUERIES.size(); q++) {
        List<Demo> own = q % 2 == 0 ? DEMOS : DEMOS.subList(0, 1);
        prompts.add(new Prompt("Read each story.", own, QUERIES.get(q), TEMPLATE, WORDS));
      }
      var config = lm.model().config();
      long bytesPerToken =
          2L * config.numLayers() * config.numKeyValueHeads() * config.headDim() * 4;
      // A memory bound that lets 2 of these prompts share a forward (the cache repeated for the
      // query and each of its 3 multi-token words).
      int longest =
          prompts.stream().mapToInt(p -> evaluator.tokenize(p).context().length).max().orElse(0)
              + 3;
      IclEvaluator split =
          new IclEvaluator(
              lm.model(), lm.requireTokenizer(), (long) (2.5 * bytesPerToken * longest * 4), null);
      assertEquals(
          2, split.rowsPerForward(prompts.stream().map(evaluator::tokenize).toList()), name);
      assertEqualsNaive(evaluator, prompts, evaluator.scoreSeparately(prompts), name);
      assertEqualsNaive(evaluator, prompts, split.scoreSeparately(prompts), name + " split");
      assertTrue(
          Arrays.stream(evaluator.tokenize(prompts.get(0)).candidates().toArray(int[][]::new))
              .anyMatch(c -> c.length > 1),
          "at least one multi-token label word");
    }
  }

  @org.junit.jupiter.api.Test
  void scoringLeavesNoNativeArraysBehind() {
    Tensors.configureOffline();
    try (LanguageModel lm =
        LanguageModel.open(TestModels.model("tinystories-656k"), ai.djl.Device.cpu())) {
      IclEvaluator evaluator = new IclEvaluator(lm.model(), lm.requireTokenizer());
      Prompt base =
          new Prompt(
              "",
              List.of(Demo.gold(ex("1", 1, "A happy dog.")), Demo.gold(ex("2", 0, "A sad cat."))),
              ex("q", 0, "x"),
              TEMPLATE,
              WORDS);
      int before = lm.model().manager().getManagedArrays().size();
      for (int round = 0; round < 5; round++) {
        try (CachedPrefix prefix = evaluator.openPrefix(base.prefixText())) {
          for (int i = 0; i < 10; i++) {
            Prompt p = base.withQuery(ex("q" + i, 0, "Tom saw " + i + " birds."));
            evaluator.scoreCached(prefix, p);
            evaluator.scoreNaive(p);
            if (i < 2) {
              evaluator.scoreBatch(prefix, List.of(p, p.withQuery(ex("r", 1, "Tom."))));
              evaluator.scoreSeparately(List.of(p, p.withQuery(ex("r", 1, "Tom saw birds."))));
            }
          }
        }
      }
      assertEquals(before, lm.model().manager().getManagedArrays().size(), "native arrays leaked");
    }
  }
}
