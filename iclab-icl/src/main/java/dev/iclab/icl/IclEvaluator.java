package dev.iclab.icl;

import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.cache.CachedPrefix;
import dev.iclab.lm.score.ContinuationScore;
import dev.iclab.lm.score.ContinuationTokens;
import dev.iclab.lm.score.PackedScorer;
import dev.iclab.lm.score.PaddedBatchScorer;
import dev.iclab.lm.score.ScoreRequest;
import dev.iclab.lm.score.Scorer;
import dev.iclab.lm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores every label word of a prompt by log-likelihood.
 *
 * <p>Token ids are always those of the whole prompt text, tokenized as lm-evaluation-harness does
 * (see {@link #tokenize}); the paths differ only in what they recompute:
 *
 * <ul>
 *   <li>{@link #scoreNaive}: the whole prompt in one forward pass, then the candidates.
 *   <li>{@link #scoreBatch} (and {@link #scoreCached} for one prompt): the shared prefix
 *       (instruction + demonstrations) is computed once into a KV cache by {@link #openPrefix}; the
 *       queries' tokens after it and their label words' tokens are packed side by side into one
 *       forward over that cache, without copying it ({@link PackedScorer}). If a query's ids do not
 *       start with the cached ids (a tokenizer merge across the prefix/query boundary), that query
 *       falls back to the naive path, so every path sees the same ids.
 *   <li>{@link #scoreSeparately}: prompts that share no prefix (kNN or BM25 demonstrations), in
 *       left-padded batches of similar length ({@link PaddedBatchScorer}).
 * </ul>
 */
public final class IclEvaluator {
  private final CausalLM model;
  private final Tokenizer tokenizer;
  private final Scorer scorer;
  private final PackedScorer packed;
  private final PaddedBatchScorer padded;
  private final Scorer.PassOptions passOptions;

  public IclEvaluator(CausalLM model, Tokenizer tokenizer) {
    this(model, tokenizer, PaddedBatchScorer.BATCH_CACHE_BYTES, null);
  }

  /**
   * Scores every prompt whole, through {@code passOptions} (a prompt- or prefix-tuning adapter's
   * virtual tokens, which must start every sequence), instead of over cached prefixes.
   */
  public IclEvaluator(CausalLM model, Tokenizer tokenizer, Scorer.PassOptions passOptions) {
    this(model, tokenizer, PaddedBatchScorer.BATCH_CACHE_BYTES, passOptions);
  }

  /** With another memory bound for {@link #scoreSeparately} (tests). */
  IclEvaluator(
      CausalLM model, Tokenizer tokenizer, long batchCacheBytes, Scorer.PassOptions passOptions) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.scorer = new Scorer(model);
    this.packed = new PackedScorer(model);
    this.padded = new PaddedBatchScorer(model, batchCacheBytes);
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
    return tokenizeAll(List.of(prompt)).get(0);
  }

  /** {@link #tokenize} of each prompt, their texts encoded together. */
  public List<Tokens> tokenizeAll(List<Prompt> prompts) {
    List<String> texts = new ArrayList<>(prompts.size());
    List<List<String>> continuations = new ArrayList<>(prompts.size());
    for (Prompt prompt : prompts) {
      texts.add(prompt.text());
      List<String> own = new ArrayList<>();
      for (int label = 0; label < prompt.labelWords().size(); label++) {
        own.add(prompt.continuation(label));
      }
      continuations.add(own);
    }
    return ContinuationTokens.ofAll(tokenizer, texts, continuations).stream()
        .map(t -> new Tokens(t.context(), t.continuations(), t.boundaryMerge()))
        .toList();
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
  public CachedPrefix openPrefix(String prefixText) {
    int[] ids = tokenizer.encode(prefixText);
    int cached = ids.length - 1;
    if (cached < 1 || passOptions != null) {
      return CachedPrefix.of(model, new int[0]);
    }
    return CachedPrefix.of(model, Arrays.copyOf(ids, cached));
  }

  /**
   * Scores a prompt whose prefix is {@code prefix}: {@link #scoreBatch} of one prompt; the naive
   * path when the prompt's ids do not start with the cached ones.
   */
  public Scores scoreCached(CachedPrefix prefix, Prompt prompt) {
    return scoreBatch(prefix, List.of(prompt)).get(0);
  }

  /**
   * Scores prompts that share {@code prefix}, packed into as few forward passes over its cache as
   * {@link PackedScorer} takes; equal to {@link #scoreNaive} on each within float rounding. A
   * prefix of length 0 (nothing cached: zero-shot) packs the whole prompts. Prompts whose ids do
   * not start with the cached ones are scored alone by {@link #scoreNaive}.
   *
   * @return one result per prompt, in order
   */
  public List<Scores> scoreBatch(CachedPrefix prefix, List<Prompt> prompts) {
    if (passOptions != null) {
      return prompts.stream().map(this::scoreNaive).toList();
    }
    Scores[] out = new Scores[prompts.size()];
    List<Integer> rows = new ArrayList<>();
    List<ScoreRequest> requests = new ArrayList<>();
    int cached = prefix.length();
    List<Tokens> tokens = tokenizeAll(prompts);
    for (int i = 0; i < prompts.size(); i++) {
      Tokens t = tokens.get(i);
      int[] context = t.context();
      if (prefix.startsWith(context)) {
        rows.add(i);
        requests.add(
            new ScoreRequest(Arrays.copyOfRange(context, cached, context.length), t.candidates()));
      } else {
        out[i] = new Scores(scorer.score(context, t.candidates()), false);
      }
    }
    List<List<ContinuationScore>> scores = packed.score(prefix.cache(), requests);
    for (int r = 0; r < rows.size(); r++) {
      out[rows.get(r)] = new Scores(scores.get(r), prefix.cache() != null);
    }
    return List.of(out);
  }

  /**
   * Scores prompts that share no prefix (each with its own demonstrations), in left-padded batches
   * of similar length; equal to {@link #scoreNaive} on each within float rounding.
   *
   * @return one result per prompt, in order
   */
  public List<Scores> scoreSeparately(List<Prompt> prompts) {
    if (passOptions != null || prompts.size() == 1) {
      return prompts.stream().map(this::scoreNaive).toList();
    }
    List<ScoreRequest> requests = new ArrayList<>();
    for (Tokens t : tokenizeAll(prompts)) {
      requests.add(new ScoreRequest(t.context(), t.candidates()));
    }
    return padded.score(requests).stream().map(s -> new Scores(s, false)).toList();
  }

  /** The left-padded batches' memory bound at work (tests). */
  int rowsPerForward(List<Tokens> tokens) {
    return padded.rowsPerForward(
        tokens.stream().map(t -> new ScoreRequest(t.context(), t.candidates())).toList());
  }
}
