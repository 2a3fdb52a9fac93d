package dev.iclab.icl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.score.Scorer;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores every label word of a prompt by log-likelihood.
 *
 * <p>Token ids are always those of the whole prompt text, tokenized as lm-evaluation-harness does
 * (see {@link #tokenize}); the two paths differ only in what they recompute:
 *
 * <ul>
 *   <li>{@link #scoreNaive}: the whole prompt in one forward pass, then the candidates.
 *   <li>{@link #scoreCached}: the shared prefix (instruction + demonstrations) is computed once
 *       into a KV cache by {@link #openPrefix}; per query only the tokens after it are fed, on a
 *       copy of that cache, then the candidates as one batch. If a query's ids do not start with
 *       the cached ids (a tokenizer merge across the prefix/query boundary), that query falls back
 *       to the naive path, so both paths always see the same ids.
 *   <li>{@link #scoreBatch}: as {@link #scoreCached} for several queries at once, left-padded into
 *       one forward pass over the prefix cache repeated along the batch.
 * </ul>
 */
public final class IclEvaluator {
  private final CausalLM model;
  private final Tokenizer tokenizer;
  private final Scorer scorer;
  private final long batchCacheBytes;
  private final Scorer.PassOptions passOptions;

  public IclEvaluator(CausalLM model, Tokenizer tokenizer) {
    this(model, tokenizer, BATCH_CACHE_BYTES, null);
  }

  /**
   * Scores every prompt whole, through {@code passOptions} (a prompt- or prefix-tuning adapter's
   * virtual tokens, which must start every sequence), instead of over cached prefixes.
   */
  public IclEvaluator(CausalLM model, Tokenizer tokenizer, Scorer.PassOptions passOptions) {
    this(model, tokenizer, BATCH_CACHE_BYTES, passOptions);
  }

  /** With another memory bound for {@link #scoreBatch} (tests). */
  IclEvaluator(
      CausalLM model, Tokenizer tokenizer, long batchCacheBytes, Scorer.PassOptions passOptions) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.scorer = new Scorer(model);
    this.batchCacheBytes = batchCacheBytes;
    this.passOptions = passOptions;
  }

  /**
   * A prompt's token ids: {@code context} = encode(text without trailing whitespace), with special
   * tokens; candidate i = encode(text + continuation(i)) after its first {@code context.length} ids
   * (or the continuation encoded alone when that leaves nothing). {@code boundaryMerge[i]} says the
   * whole encoding did not start with the context's ids.
   */
  public record Tokens(int[] context, List<int[]> candidates, boolean[] boundaryMerge) {}

  /** The scores of one prompt: one entry per label, and whether the prefix cache was used. */
  public record Scores(List<ContinuationScore> candidates, boolean prefixReused) {}

  public Tokens tokenize(Prompt prompt) {
    String text = prompt.text();
    String trimmed = text.stripTrailing();
    String moved = text.substring(trimmed.length());
    int[] context = tokenizer.encode(trimmed);
    List<int[]> candidates = new ArrayList<>();
    boolean[] merged = new boolean[prompt.labelWords().size()];
    for (int label = 0; label < merged.length; label++) {
      String continuation = moved + prompt.continuation(label);
      int[] whole = tokenizer.encode(trimmed + continuation);
      merged[label] =
          whole.length < context.length
              || !Arrays.equals(Arrays.copyOf(whole, context.length), context);
      int[] tokens =
          Arrays.copyOfRange(whole, Math.min(context.length, whole.length), whole.length);
      if (tokens.length == 0) {
        tokens = tokenizer.encode(continuation, false);
        merged[label] = true;
      }
      candidates.add(tokens);
    }
    return new Tokens(context, candidates, merged);
  }

  /** Scores the whole prompt from scratch. */
  public Scores scoreNaive(Prompt prompt) {
    Tokens tokens = tokenize(prompt);
    if (passOptions != null) {
      return new Scores(
          scorer.scoreRows(tokens.context(), tokens.candidates(), passOptions), false);
    }
    return new Scores(scorer.score(tokens.context(), tokens.candidates()), false);
  }

  /**
   * Computes a prefix's KV cache once. The cache holds all of the prefix's ids but the last, since
   * the last token of a prefix ("\n") is the one a tokenizer may merge with what follows.
   */
  public PrefixCache openPrefix(String prefixText) {
    int[] ids = tokenizer.encode(prefixText);
    int cached = ids.length - 1;
    if (cached < 1 || passOptions != null) {
      return new PrefixCache(new int[0], null, null);
    }
    int[] cachedIds = Arrays.copyOf(ids, cached);
    NDManager manager = model.manager().newSubManager();
    try {
      KvCache cache = model.newCache(manager);
      try (NDManager scope = manager.newSubManager()) {
        model.forward(
            scope,
            scope.create(cachedIds, new Shape(1, cached)),
            ForwardOptions.withCache(cache).lastOnly(true));
      }
      return new PrefixCache(cachedIds, cache, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Scores a prompt whose prefix is {@code prefix}; falls back to {@link #scoreNaive} when the
   * prompt's ids do not start with the cached ones.
   */
  public Scores scoreCached(PrefixCache prefix, Prompt prompt) {
    if (passOptions != null) {
      return scoreNaive(prompt);
    }
    Tokens tokens = tokenize(prompt);
    int[] context = tokens.context();
    int cached = prefix.ids.length;
    if (prefix.cache == null
        || context.length <= cached
        || !Arrays.equals(Arrays.copyOf(context, cached), prefix.ids)) {
      return new Scores(scorer.score(context, tokens.candidates()), false);
    }
    int[] suffix = Arrays.copyOfRange(context, cached, context.length);
    List<int[]> candidates = tokens.candidates();
    try (NDManager scope = model.manager().newSubManager();
        KvCache cache = prefix.cache.repeatBatch(scope, 1)) {
      float[] first =
          model
              .forward(
                  scope,
                  scope.create(suffix, new Shape(1, suffix.length)),
                  ForwardOptions.withCache(cache).lastOnly(true))
              .logSoftmax(-1)
              .toFloatArray(); // [vocab]
      List<ContinuationScore> scores = scorer.scoreAfter(scope, cache, first, candidates);
      return new Scores(scores, true);
    }
  }

  /**
   * Scores several prompts that share {@code prefix} as one batch; equal to {@link #scoreCached} on
   * each within float rounding. The queries' tokens after the cached ones are left-padded into one
   * [batch, width] forward over the prefix cache repeated along the batch (an attention mask hides
   * the padding and positions count real tokens only), which gives every first label token; the
   * label words' further tokens are fed as one right-padded [batch x labels, width] forward on that
   * cache. A prefix of length 0 (nothing cached) batches the whole prompts: zero-shot. Prompts
   * whose ids do not start with the cached ones are scored alone by {@link #scoreNaive}. One prompt
   * is scored by {@link #scoreCached}; a batch whose repeated cache would take more than {@link
   * #BATCH_CACHE_BYTES} is split into smaller forwards.
   *
   * @return one result per prompt, in order
   */
  public List<Scores> scoreBatch(PrefixCache prefix, List<Prompt> prompts) {
    if (passOptions != null) {
      return prompts.stream().map(this::scoreNaive).toList();
    }
    if (prompts.size() == 1) {
      return List.of(scoreCached(prefix, prompts.get(0)));
    }
    Scores[] out = new Scores[prompts.size()];
    List<Integer> rows = new ArrayList<>();
    List<Tokens> tokens = new ArrayList<>();
    int cached = prefix.ids.length;
    for (int i = 0; i < prompts.size(); i++) {
      Tokens t = tokenize(prompts.get(i));
      int[] context = t.context();
      if (context.length > cached && Arrays.equals(Arrays.copyOf(context, cached), prefix.ids)) {
        rows.add(i);
        tokens.add(t);
      } else {
        out[i] = new Scores(scorer.score(context, t.candidates()), false);
      }
    }
    int perForward = rowsPerForward(tokens);
    for (int start = 0; start < rows.size(); start += perForward) {
      int end = Math.min(rows.size(), start + perForward);
      if (end - start == 1) {
        out[rows.get(start)] = scoreCached(prefix, prompts.get(rows.get(start)));
        continue;
      }
      List<Scores> batch = scoreRows(prefix, tokens.subList(start, end));
      for (int r = start; r < end; r++) {
        out[rows.get(r)] = batch.get(r - start);
      }
    }
    return List.of(out);
  }

  /** The batch's repeated KV cache may take this much memory; larger batches are split. */
  public static final long BATCH_CACHE_BYTES = 1L << 30;

  /**
   * How many queries one forward may take so that the prefix cache repeated for every query (and
   * every label word, for words of several tokens) stays within {@link #BATCH_CACHE_BYTES}: a few
   * for a long prefix on a large model, dozens for GPT-2 small. Depends only on the model and the
   * prompts, so a batch is always split the same way.
   */
  int rowsPerForward(List<Tokens> tokens) {
    if (tokens.isEmpty()) {
      return 1;
    }
    var config = model.config();
    long bytesPerToken = 2L * config.numLayers() * config.numKeyValueHeads() * config.headDim() * 4;
    int longestContext = tokens.stream().mapToInt(t -> t.context().length).max().orElse(0);
    int longestLabel = 0;
    for (Tokens t : tokens) {
      for (int[] c : t.candidates()) {
        longestLabel = Math.max(longestLabel, c.length);
      }
    }
    int copies = longestLabel > 1 ? 1 + tokens.get(0).candidates().size() : 1;
    long perRow = bytesPerToken * (longestContext + longestLabel) * copies;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, batchCacheBytes / Math.max(1, perRow)));
  }

  private List<Scores> scoreRows(PrefixCache prefix, List<Tokens> tokens) {
    int batch = tokens.size();
    int cached = prefix.ids.length;
    int width = tokens.stream().mapToInt(t -> t.context().length - cached).max().orElse(0);
    int[] ids = new int[batch * width];
    int[] mask = new int[batch * (cached + width)];
    for (int b = 0; b < batch; b++) {
      int[] context = tokens.get(b).context();
      int n = context.length - cached;
      System.arraycopy(context, cached, ids, b * width + width - n, n); // left padding
      Arrays.fill(mask, b * (cached + width), b * (cached + width) + cached, 1);
      Arrays.fill(mask, b * (cached + width) + cached + width - n, (b + 1) * (cached + width), 1);
    }
    try (NDManager scope = model.manager().newSubManager();
        KvCache cache =
            prefix.cache == null ? model.newCache(scope) : prefix.cache.repeatBatch(scope, batch)) {
      NDArray padding = scope.create(mask, new Shape(batch, cached + width));
      float[] first =
          model
              .forward(
                  scope,
                  scope.create(ids, new Shape(batch, width)),
                  ForwardOptions.withCache(cache).mask(padding).lastOnly(true))
              .logSoftmax(-1)
              .toFloatArray(); // [batch * vocab]
      int vocab = first.length / batch;
      int labels = tokens.get(0).candidates().size();
      int longest =
          tokens.stream()
              .flatMap(t -> t.candidates().stream())
              .mapToInt(c -> c.length)
              .max()
              .orElse(0);
      float[][] rest =
          longest > 1 ? restBatched(scope, cache, padding, tokens, labels, longest) : null;
      List<Scores> out = new ArrayList<>();
      for (int b = 0; b < batch; b++) {
        List<ContinuationScore> scores = new ArrayList<>();
        for (int i = 0; i < labels; i++) {
          int[] c = tokens.get(b).candidates().get(i);
          float[] logProbs = new float[c.length];
          logProbs[0] = first[b * vocab + c[0]];
          for (int t = 1; t < c.length; t++) {
            logProbs[t] = rest[b * labels + i][t - 1];
          }
          scores.add(new ContinuationScore(c, logProbs));
        }
        out.add(new Scores(scores, prefix.cache != null));
      }
      return out;
    }
  }

  /**
   * As {@link #rest}, for a batch of queries: row {@code b * labels + i} is query b's label i, on
   * query b's cache row (repeatBatch repeats each row in place), its padding mask extended by the
   * label tokens.
   */
  private float[][] restBatched(
      NDManager scope,
      KvCache cache,
      NDArray padding,
      List<Tokens> tokens,
      int labels,
      int longest) {
    int rows = tokens.size() * labels;
    int width = longest - 1;
    int[] inputs = new int[rows * width];
    int[] targets = new int[rows * width];
    for (int b = 0; b < tokens.size(); b++) {
      for (int i = 0; i < labels; i++) {
        int[] c = tokens.get(b).candidates().get(i);
        int row = b * labels + i;
        for (int t = 0; t + 1 < c.length; t++) {
          inputs[row * width + t] = c[t];
          targets[row * width + t] = c[t + 1];
        }
      }
    }
    try (KvCache repeated = cache.repeatBatch(scope, labels)) {
      NDArray mask =
          padding
              .repeat(0, labels)
              .concat(scope.ones(new Shape(rows, width), padding.getDataType()), 1);
      NDArray logProbs =
          model
              .forward(
                  scope,
                  scope.create(inputs, new Shape(rows, width)),
                  ForwardOptions.withCache(repeated).mask(mask))
              .logSoftmax(-1); // [rows, width, vocab]
      float[] picked =
          logProbs
              .gather(
                  scope.create(targets, new Shape(rows, width, 1)).toType(DataType.INT64, false), 2)
              .toFloatArray(); // [rows * width]
      float[][] out = new float[rows][width];
      for (int r = 0; r < rows; r++) {
        System.arraycopy(picked, r * width, out[r], 0, width);
      }
      return out;
    }
  }

  /** A prefix's KV cache (batch 1); close it to free its native memory. */
  public static final class PrefixCache implements AutoCloseable {
    private final int[] ids;
    private final KvCache cache;
    private final NDManager manager;

    private PrefixCache(int[] ids, KvCache cache, NDManager manager) {
      this.ids = ids;
      this.cache = cache;
      this.manager = manager;
    }

    /** Number of cached positions (0 when the prefix is too short to cache). */
    public int length() {
      return ids.length;
    }

    @Override
    public void close() {
      if (manager != null) {
        manager.close();
      }
    }
  }
}
