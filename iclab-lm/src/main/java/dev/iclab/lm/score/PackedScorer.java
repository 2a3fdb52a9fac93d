package dev.iclab.lm.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores the continuations of many contexts that share one cached prefix, packed side by side into
 * one forward pass over that cache without copying it: each query's tokens form a chain after the
 * prefix and each continuation's tokens a branch after its query's last token (a {@link
 * ForwardOptions#tree token tree}), so every token sees the prefix, its own query and its own
 * continuation only, at the position it has in its own prompt. The projections run as one large
 * matrix product over all the queries' tokens, attention to the prefix is one product per layer,
 * and the vocabulary projection runs only on the rows whose next token is scored. In a short pass
 * the queries' common starts are shared (a trie, {@link #plan}): tokens with the same ids after the
 * same tokens run once. Equal to {@link Scorer#score} on each whole prompt within float rounding,
 * momentum attention included.
 */
public final class PackedScorer {
  /**
   * Tokens per forward pass by default: large matrix products, and with the chunked tree attention
   * the cost per token no longer grows with the pass (GPT-2-small shape after 384 cached tokens,
   * one thread: 2.2 ms of CPU per token for passes of 336 and of 672 tokens, 2.6 ms for 168).
   */
  public static final int DEFAULT_TOKENS_PER_PASS = 512;

  /**
   * Passes of fewer chain tokens than this share their queries' common tokens (a trie). Longer
   * passes keep one chain per query: a shared token is an ancestor of tokens far after it, which
   * rules out the chunked attention those passes use (it looks back one query's length only).
   */
  public static final int SHARED_NODES_BELOW = 256;

  private final CausalLM model;
  private final int tokensPerPass;

  public PackedScorer(CausalLM model) {
    this(model, DEFAULT_TOKENS_PER_PASS);
  }

  /**
   * @param tokensPerPass queries go into one pass while their tokens fit this many (a longer query
   *     gets a pass of its own); the split depends only on the queries' lengths
   */
  public PackedScorer(CausalLM model, int tokensPerPass) {
    if (tokensPerPass < 1) {
      throw new IllegalArgumentException("tokens per pass must be >= 1, got " + tokensPerPass);
    }
    this.model = model;
    this.tokensPerPass = tokensPerPass;
  }

  /**
   * @param prefix the shared prefix (batch 1), read and left as it was; null when nothing precedes
   *     the queries
   * @return per query, one score per continuation, in order
   */
  public List<List<ContinuationScore>> score(KvCache prefix, List<ScoreRequest> queries) {
    if (prefix != null && prefix.length() > 0 && prefix.batchSize() != 1) {
      throw new IllegalArgumentException("the shared prefix must be a cache of batch 1");
    }
    // As few passes as the budget allows, filled evenly (not one full pass and a short rest).
    int remaining = queries.stream().mapToInt(PackedScorer::packedLength).sum();
    int passes = Math.max(1, (remaining + tokensPerPass - 1) / tokensPerPass);
    List<List<ContinuationScore>> out = new ArrayList<>();
    int start = 0;
    while (start < queries.size()) {
      int target = (remaining + passes - 1) / passes;
      int end = start + 1;
      int tokens = packedLength(queries.get(start));
      while (end < queries.size()
          && tokens < target
          && tokens + packedLength(queries.get(end)) <= tokensPerPass) {
        tokens += packedLength(queries.get(end));
        end++;
      }
      out.addAll(pass(prefix, queries.subList(start, end)));
      remaining -= tokens;
      passes = Math.max(1, passes - 1);
      start = end;
    }
    return out;
  }

  /**
   * Tokens a request adds to a pass as a chain: its context's, each continuation's but the last.
   */
  public static int packedLength(ScoreRequest request) {
    int n = request.context().length;
    for (int[] c : request.continuations()) {
      n += c.length - 1;
    }
    return n;
  }

  /** One forward pass over {@code queries}. */
  private List<List<ContinuationScore>> pass(KvCache prefix, List<ScoreRequest> queries) {
    Plan plan = plan(queries);
    int rows = plan.outputRows().length;
    float[] picked;
    try (NDManager scope = model.manager().newSubManager()) {
      ForwardOptions options =
          ForwardOptions.withCache(prefix).tree(plan.parents()).outputRows(plan.outputRows());
      int[] ids = plan.ids();
      NDArray logits = model.forward(scope, scope.create(ids, new Shape(1, ids.length)), options);
      picked =
          logits
              .reshape(rows, -1)
              .logSoftmax(-1) // [rows, vocab]
              .gather(scope.create(plan.targets(), new Shape(rows, plan.width())), 1)
              .toFloatArray(); // [rows, width]
    }
    return collect(queries, picked, plan.width());
  }

  /**
   * A pass's token tree: {@code ids} and {@code parents} (-1: right after the prefix); the rows
   * whose next-token log-probabilities are read and, per row, {@code width} target ids (padded with
   * the row's last). A query's first row scores each continuation's first token; every later
   * continuation token has its own row.
   */
  public record Plan(int[] ids, int[] parents, int[] outputRows, long[] targets, int width) {}

  /**
   * Lays {@code queries} out as one pass. Below {@link #SHARED_NODES_BELOW} tokens as chains the
   * tokens form a trie: a token with the same parent and id as an earlier one is that token (same
   * context, same position, so the same keys, values and output), so the template's words that open
   * every query (the "Sentence:" of each SST-2 query after the prefix's last newline) and any other
   * common start run once.
   */
  public static Plan plan(List<ScoreRequest> queries) {
    int chains = queries.stream().mapToInt(PackedScorer::packedLength).sum();
    return plan(queries, chains < SHARED_NODES_BELOW);
  }

  /** {@link #plan(List)}, with shared starts or with one chain per query. */
  static Plan plan(List<ScoreRequest> queries, boolean shared) {
    int chains = queries.stream().mapToInt(PackedScorer::packedLength).sum();
    TokenLayout layout = new TokenLayout(chains, shared);
    List<Integer> outputRows = new ArrayList<>();
    List<int[]> rowTargets = new ArrayList<>(); // the tokens scored at each output row
    for (ScoreRequest q : queries) {
      int last = -1;
      for (int token : q.context()) {
        last = layout.add(last, token);
      }
      outputRows.add(last);
      rowTargets.add(q.continuations().stream().mapToInt(c -> c[0]).toArray());
      for (int[] c : q.continuations()) {
        int at = last;
        for (int t = 0; t + 1 < c.length; t++) {
          at = layout.add(at, c[t]);
          outputRows.add(at);
          rowTargets.add(new int[] {c[t + 1]});
        }
      }
    }
    int rows = outputRows.size();
    int width = rowTargets.stream().mapToInt(t -> t.length).max().orElse(1);
    long[] targets = new long[rows * width];
    for (int r = 0; r < rows; r++) {
      int[] t = rowTargets.get(r);
      for (int k = 0; k < width; k++) {
        targets[r * width + k] = t[Math.min(k, t.length - 1)];
      }
    }
    return new Plan(
        layout.ids(),
        layout.parents(),
        outputRows.stream().mapToInt(Integer::intValue).toArray(),
        targets,
        width);
  }

  /** A pass's tokens in order, each with its parent (-1: right after the prefix). */
  private static final class TokenLayout {
    private final boolean shared;
    private final Map<Long, Integer> nodes = new HashMap<>();
    private final int[] ids;
    private final int[] parents;
    private int size;

    TokenLayout(int capacity, boolean shared) {
      this.shared = shared;
      this.ids = new int[capacity];
      this.parents = new int[capacity];
    }

    /** The index of {@code token} after {@code parent}: an earlier identical one when shared. */
    int add(int parent, int token) {
      long key = ((long) parent << 32) | (token & 0xffffffffL);
      if (shared) {
        Integer existing = nodes.get(key);
        if (existing != null) {
          return existing;
        }
        nodes.put(key, size);
      }
      ids[size] = token;
      parents[size] = parent;
      return size++;
    }

    int[] ids() {
      return Arrays.copyOf(ids, size);
    }

    int[] parents() {
      return Arrays.copyOf(parents, size);
    }
  }

  /** Reads each continuation's log-probabilities from the picked [rows, width] values. */
  private static List<List<ContinuationScore>> collect(
      List<ScoreRequest> queries, float[] picked, int width) {
    List<List<ContinuationScore>> out = new ArrayList<>();
    int row = 0;
    for (ScoreRequest q : queries) {
      int queryRow = row++;
      List<ContinuationScore> scores = new ArrayList<>();
      for (int j = 0; j < q.continuations().size(); j++) {
        int[] c = q.continuations().get(j);
        float[] logProbs = new float[c.length];
        logProbs[0] = picked[queryRow * width + j];
        for (int t = 1; t < c.length; t++) {
          logProbs[t] = picked[row++ * width];
        }
        scores.add(new ContinuationScore(c, logProbs));
      }
      out.add(scores);
    }
    return out;
  }
}
