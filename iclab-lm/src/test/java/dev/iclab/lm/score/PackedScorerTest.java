package dev.iclab.lm.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iclab.lm.ModelLoader;
import dev.iclab.lm.TestModels;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.config.AttentionVariant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Packed scoring (queries and their continuations side by side after one shared prefix cache, as a
 * token tree) equals scoring each whole prompt on its own, on real and synthetic checkpoints of
 * every architecture.
 */
class PackedScorerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int[] PREFIX = {5, 17, 42, 9, 99, 3, 250, 7, 64, 11, 120, 31};
  // 12 queries of 1 to 8 tokens, each with a one-token, a two-token and a three-token candidate:
  // enough that one pass uses the chunked tree attention (TreeAttention), while passes of at
  // most 12 tokens use the dense masked one.
  private static final int[][] QUERY_TOKENS = queryTokens();

  private static int[][] queryTokens() {
    Random random = new Random(11);
    int[][] queries = new int[12][];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = random.ints(1 + random.nextInt(8), 2, 250).toArray();
    }
    queries[0] = new int[] {77}; // a query of one token
    queries[1] = new int[] {4, 60, 91, 13, 2, 44, 18, 9}; // and one of the longest
    return queries;
  }

  @TempDir Path temp;

  private static List<ScoreRequest> queries() {
    List<ScoreRequest> queries = new ArrayList<>();
    for (int q = 0; q < QUERY_TOKENS.length; q++) {
      queries.add(
          new ScoreRequest(
              QUERY_TOKENS[q],
              List.of(new int[] {30 + q}, new int[] {12, 40 + q}, new int[] {7, 8 + q, 9})));
    }
    return queries;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /**
   * Packed vs {@link Scorer#score} on each whole prompt, with and without a prefix cache, for each
   * pass size.
   */
  private static void assertPackedEqualsNaive(CausalLM model, String what, int... tokensPerPass) {
    assertPackedEqualsNaive(model, queries(), what, tokensPerPass);
  }

  private static void assertPackedEqualsNaive(
      CausalLM model, List<ScoreRequest> queries, String what, int... tokensPerPass) {
    Scorer naive = new Scorer(model);
    try (NDManager scope = model.manager().newSubManager();
        KvCache cache = model.newCache(scope)) {
      model.forward(
          scope,
          scope.create(PREFIX, new Shape(1, PREFIX.length)),
          ForwardOptions.withCache(cache).lastOnly(true));
      for (int[] prefix : List.of(PREFIX, new int[0])) {
        List<List<ContinuationScore>> expected = new ArrayList<>();
        for (int q = 0; q < queries.size(); q++) {
          expected.add(
              naive.score(
                  concat(prefix, queries.get(q).context()), queries.get(q).continuations()));
        }
        for (int size : tokensPerPass) {
          List<List<ContinuationScore>> scores =
              new PackedScorer(model, size).score(prefix.length == 0 ? null : cache, queries);
          assertEquals(queries.size(), scores.size());
          for (int q = 0; q < queries.size(); q++) {
            for (int c = 0; c < expected.get(q).size(); c++) {
              assertArrayEquals(expected.get(q).get(c).tokens(), scores.get(q).get(c).tokens());
              assertArrayEquals(
                  expected.get(q).get(c).tokenLogProbs(),
                  scores.get(q).get(c).tokenLogProbs(),
                  1e-4f,
                  "%s passes of <= %d tokens, prefix %d, query %d candidate %d"
                      .formatted(what, size, prefix.length, q, c));
            }
          }
        }
      }
      assertEquals(PREFIX.length, cache.length(), "the shared cache is read, not extended");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tinystories-656k",
        "tiny-gpt2-random",
        "synthetic/gpt2-tiny",
        "synthetic/neox-tiny",
        "synthetic/neox-tiny-sequential",
        "synthetic/qwen2-tiny",
        "synthetic/mistral-tiny"
      })
  void packedEqualsNaiveInOnePassAndInSeveral(String name) {
    try (CausalLM model = ModelLoader.standard().load(TestModels.model(name))) {
      assertPackedEqualsNaive(model, name, 1024, 12);
    }
  }

  @Test
  void slidingWindowCountsPositionsNotPackedIndices() throws IOException {
    // Mistral with a window of 6: keys 6 or more positions behind a token are masked; in the
    // packed layout the later queries sit far from the prefix by index but not by position.
    Path dir = withConfig("synthetic/mistral-tiny", c -> c.put("sliding_window", 6));
    try (CausalLM model = ModelLoader.standard().load(dir)) {
      assertPackedEqualsNaive(model, "window 6", 1024);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"synthetic/llama-tiny-untied", "synthetic/gpt2-tiny"})
  void momentumAttentionDecaysByPositionNotPackedIndex(String name) throws IOException {
    // The momentum sum runs over the earlier positions a token sees; packed, its decay must count
    // positions in the token's own prompt, not indices in the pass (they differ for every query
    // after the first and for every continuation).
    Path dir =
        withConfig(name, c -> AttentionVariant.momentum(0.9).writeTo(c)); // eta 0.9: Dai's default
    try (CausalLM model = ModelLoader.standard().load(dir)) {
      assertPackedEqualsNaive(model, name + " momentum", 1024);
    }
  }

  /**
   * Queries as an ICL template makes them: a common head (as "\nSentence:"), one query twice, one
   * that is the start of another, and candidates sharing their first tokens.
   */
  private static List<ScoreRequest> sharingQueries() {
    int[] head = {50, 51, 52};
    Random random = new Random(5);
    List<ScoreRequest> queries = new ArrayList<>();
    for (int q = 0; q < 6; q++) {
      int[] tail = random.ints(1 + random.nextInt(6), 2, 250).toArray();
      queries.add(
          new ScoreRequest(
              concat(head, tail),
              List.of(
                  new int[] {12, 40 + q}, new int[] {12, 41 + q}, new int[] {12}, new int[] {9})));
    }
    queries.add(queries.get(2)); // the same query twice
    int[] start = queries.get(3).context();
    queries.add(
        new ScoreRequest(
            Arrays.copyOf(start, start.length - 1), queries.get(3).continuations())); // its start
    queries.add(new ScoreRequest(new int[] {77}, List.of(new int[] {12, 40}, new int[] {9})));
    return queries;
  }

  @ParameterizedTest
  @FieldSource("dev.iclab.lm.TestModels#ONE_PER_ARCHITECTURE")
  void sharedStartsRunOnceAndScoreAsEachWholePrompt(String name) {
    List<ScoreRequest> queries = sharingQueries();
    int chains = 0;
    for (ScoreRequest q : queries) {
      chains += q.context().length + q.continuations().stream().mapToInt(c -> c.length - 1).sum();
    }
    PackedScorer.Plan plan = PackedScorer.plan(queries);
    // One token per distinct path from the prefix: every start of a context, and every start of a
    // context followed by a continuation's tokens but its last.
    java.util.Set<List<Integer>> paths = new java.util.HashSet<>();
    for (ScoreRequest q : queries) {
      List<Integer> path = new ArrayList<>();
      for (int token : q.context()) {
        path.add(token);
        paths.add(List.copyOf(path));
      }
      for (int[] c : q.continuations()) {
        List<Integer> branch = new ArrayList<>(path);
        for (int t = 0; t + 1 < c.length; t++) {
          branch.add(c[t]);
          paths.add(List.copyOf(branch));
        }
      }
    }
    assertEquals(paths.size(), plan.ids().length, "one token per distinct path");
    assertTrue(
        chains - plan.ids().length >= 3 * 8,
        "the head (in 8 queries) and each query's shared candidate token run once");
    assertEquals(
        chains, PackedScorer.plan(queries, false).ids().length, "unshared: one chain per query");
    List<ScoreRequest> many = new ArrayList<>();
    while (many.stream().mapToInt(PackedScorer::packedLength).sum()
        < PackedScorer.SHARED_NODES_BELOW) {
      many.addAll(queries);
    }
    assertEquals(
        many.stream().mapToInt(PackedScorer::packedLength).sum(),
        PackedScorer.plan(many).ids().length,
        "a pass of 256 chain tokens or more keeps its chains (for the chunked attention)");
    try (CausalLM model = ModelLoader.standard().load(TestModels.model(name))) {
      assertPackedEqualsNaive(model, queries, name + " shared starts", 1024);
    }
  }

  @Test
  void scoresAreIndependentOfTheOtherQueriesInThePass() {
    try (CausalLM model = ModelLoader.standard().load(TestModels.model("tinystories-656k"))) {
      PackedScorer packed = new PackedScorer(model);
      List<ScoreRequest> queries = queries();
      List<ContinuationScore> alone = packed.score(null, queries.subList(2, 3)).get(0);
      List<ContinuationScore> together = packed.score(null, queries).get(2);
      for (int c = 0; c < alone.size(); c++) {
        assertArrayEquals(alone.get(c).tokenLogProbs(), together.get(c).tokenLogProbs(), 1e-4f);
      }
    }
  }

  @Test
  void randomTreesEqualTheirChainsOnGpt2() {
    // Learned absolute positions (GPT-2): a token's position is its depth, whatever its index.
    Random random = new Random(3);
    try (CausalLM model = ModelLoader.standard().load(TestModels.model("synthetic/gpt2-tiny"))) {
      PackedScorer packed = new PackedScorer(model);
      Scorer naive = new Scorer(model);
      List<ScoreRequest> queries = new ArrayList<>();
      for (int q = 0; q < 6; q++) {
        int[] tokens = random.ints(1 + random.nextInt(20), 0, 500).toArray();
        List<int[]> continuations = new ArrayList<>();
        for (int c = 0; c < 1 + random.nextInt(3); c++) {
          continuations.add(random.ints(1 + random.nextInt(4), 0, 500).toArray());
        }
        queries.add(new ScoreRequest(tokens, continuations));
      }
      List<List<ContinuationScore>> scores = packed.score(null, queries);
      for (int q = 0; q < queries.size(); q++) {
        List<ContinuationScore> expected =
            naive.score(queries.get(q).context(), queries.get(q).continuations());
        for (int c = 0; c < expected.size(); c++) {
          assertArrayEquals(
              expected.get(c).tokenLogProbs(),
              scores.get(q).get(c).tokenLogProbs(),
              1e-4f,
              "query " + q + " candidate " + c);
        }
      }
    }
  }

  @Test
  void refusesEmptyQueriesAndBatchedCaches() {
    assertThrows(
        IllegalArgumentException.class, () -> new ScoreRequest(new int[0], List.of(new int[] {1})));
    assertThrows(
        IllegalArgumentException.class, () -> new ScoreRequest(new int[] {1}, List.of(new int[0])));
    try (CausalLM model = ModelLoader.standard().load(TestModels.model("synthetic/gpt2-tiny"));
        NDManager scope = model.manager().newSubManager();
        KvCache cache = model.newCache(scope)) {
      model.forward(
          scope,
          scope.create(new int[] {1, 2, 3, 4}, new Shape(2, 2)),
          ForwardOptions.withCache(cache));
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> new PackedScorer(model).score(cache, queries()));
      assertFalse(e.getMessage().isBlank());
    }
  }

  private interface ConfigEdit {
    void apply(ObjectNode config);
  }

  /** A copy of a shared checkpoint with its config.json edited. */
  private Path withConfig(String name, ConfigEdit edit) throws IOException {
    Path source = TestModels.model(name);
    Path dir = Files.createDirectories(temp.resolve(name.replace('/', '_')));
    try (var files = Files.list(source)) {
      for (Path f : files.toList()) {
        if (Files.isRegularFile(f)) {
          Files.copy(f, dir.resolve(f.getFileName()));
        }
      }
    }
    ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    edit.apply(config);
    Files.writeString(dir.resolve("config.json"), config.toPrettyString());
    return dir;
  }
}
