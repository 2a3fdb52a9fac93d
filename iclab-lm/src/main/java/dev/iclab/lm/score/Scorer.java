package dev.iclab.lm.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.NonFiniteException;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import java.util.ArrayList;
import java.util.List;

/**
 * Log-likelihood scoring, the primitive of classification by in-context learning. The context is
 * computed once into a KV cache; all continuations are then scored in one batch over a copy of it.
 */
public final class Scorer {
  /**
   * The options of a forward pass over a fresh [batch, T] input, e.g. a tuner's soft prompt or
   * prefix ({@code Tuner::forwardOptions}).
   */
  @FunctionalInterface
  public interface PassOptions {
    ForwardOptions of(NDManager scope, int batch);
  }

  private final CausalLM model;

  public Scorer(CausalLM model) {
    this.model = model;
  }

  /**
   * Scores each continuation given the same context.
   *
   * @param contextIds at least one token (use BOS for an empty context)
   * @param continuations each at least one token
   */
  public List<ContinuationScore> score(int[] contextIds, List<int[]> continuations) {
    if (contextIds.length == 0) {
      throw new IllegalArgumentException("empty context: prepend BOS");
    }
    int longest = 0;
    for (int[] c : continuations) {
      if (c.length == 0) {
        throw new IllegalArgumentException("empty continuation");
      }
      longest = Math.max(longest, c.length);
    }
    try (NDManager scope = model.manager().newSubManager();
        KvCache cache = model.newCache(scope)) {
      NDArray context = scope.create(contextIds, new Shape(1, contextIds.length));
      NDArray contextLast =
          model
              .forward(scope, context, ForwardOptions.withCache(cache).lastOnly(true))
              .logSoftmax(-1); // [1, 1, vocab]
      return scoreAfter(scope, cache, contextLast.toFloatArray(), continuations);
    }
  }

  /**
   * Scores continuations after a context that {@code cache} already holds (batch 1), given the
   * next-token log-probabilities after it; the later tokens run as one batch over copies of the
   * cache, which is left as it was.
   *
   * @param firstLogProbs log-softmax over the vocabulary after the context
   * @param scope owns what the batch computes
   */
  public List<ContinuationScore> scoreAfter(
      NDManager scope, KvCache cache, float[] firstLogProbs, List<int[]> continuations) {
    int longest = continuations.stream().mapToInt(c -> c.length).max().orElse(0);
    float[][] rest =
        longest > 1 ? continuationLogProbs(scope, cache, continuations, longest) : null;
    List<ContinuationScore> scores = new ArrayList<>();
    for (int i = 0; i < continuations.size(); i++) {
      int[] tokens = continuations.get(i);
      float[] logProbs = new float[tokens.length];
      logProbs[0] = firstLogProbs[tokens[0]];
      for (int t = 1; t < tokens.length; t++) {
        logProbs[t] = rest[i][t - 1];
      }
      scores.add(new ContinuationScore(tokens, logProbs));
    }
    return scores;
  }

  /**
   * Feeds every continuation but its last token after the cached context, as one right-padded batch
   * (causal attention keeps the padding out of real positions), and gathers the log-probability of
   * each following token. Row i, entry t-1 is log P(token t | context, tokens before t).
   */
  private float[][] continuationLogProbs(
      NDManager scope, KvCache cache, List<int[]> continuations, int longest) {
    int n = continuations.size();
    int width = longest - 1;
    int[] inputs = new int[n * width];
    int[] targets = new int[n * width];
    for (int i = 0; i < n; i++) {
      int[] c = continuations.get(i);
      for (int t = 0; t + 1 < c.length; t++) {
        inputs[i * width + t] = c[t];
        targets[i * width + t] = c[t + 1];
      }
    }
    try (KvCache batchCache = cache.repeatBatch(scope, n)) {
      NDArray ids = scope.create(inputs, new Shape(n, width));
      NDArray logProbs =
          model
              .forward(scope, ids, ForwardOptions.withCache(batchCache))
              .logSoftmax(-1); // [n, w, V]
      NDArray picked =
          logProbs
              .gather(
                  scope.create(targets, new Shape(n, width, 1)).toType(DataType.INT64, false), 2)
              .reshape(n, width); // [n, width]
      float[] flat = picked.toFloatArray();
      float[][] rows = new float[n][width];
      for (int i = 0; i < n; i++) {
        System.arraycopy(flat, i * width, rows[i], 0, width);
      }
      return rows;
    }
  }

  /**
   * Scores each continuation after the same context without a KV cache: every candidate is one row
   * of a right-padded [candidates, context + longest] batch run with {@code options}, so that what
   * the options put before the input (prompt or prefix tuning's virtual tokens) precedes each row.
   * Equal to {@link #score} under {@link ForwardOptions#NONE} within float rounding.
   */
  public List<ContinuationScore> scoreRows(
      int[] contextIds, List<int[]> continuations, PassOptions options) {
    int rows = continuations.size();
    int longest = continuations.stream().mapToInt(c -> c.length).max().orElseThrow();
    int length = contextIds.length + longest;
    long[] ids = new long[rows * length];
    long[] targets = new long[rows * (length - 1)];
    for (int r = 0; r < rows; r++) {
      int[] c = continuations.get(r);
      for (int i = 0; i < length; i++) {
        int id =
            i < contextIds.length
                ? contextIds[i]
                : i - contextIds.length < c.length ? c[i - contextIds.length] : 0;
        ids[r * length + i] = id;
        if (i >= 1) {
          targets[r * (length - 1) + i - 1] = id;
        }
      }
    }
    float[] picked;
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray input = scope.create(ids, new Shape(rows, length)); // [rows, T]
      NDArray logits = model.forward(scope, input, options.of(scope, rows));
      NDArray logp = logits.get(":, :-1, :").logSoftmax(-1); // [rows, T-1, V]
      NDArray target = scope.create(targets, new Shape(rows, length - 1, 1));
      picked = logp.gather(target, 2).toType(DataType.FLOAT32, false).toFloatArray();
    }
    List<ContinuationScore> scores = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      // token i of the candidate sits at position context + i, predicted from the one before
      int[] c = continuations.get(r);
      float[] lp = new float[c.length];
      for (int i = 0; i < c.length; i++) {
        lp[i] = picked[r * (length - 1) + contextIds.length + i - 1];
      }
      scores.add(new ContinuationScore(c, lp));
    }
    return scores;
  }

  /**
   * Log-probability of every token after the first given the ones before it, in one forward pass.
   *
   * @return [ids.length - 1] values
   */
  public float[] tokenLogProbs(int[] ids) {
    if (ids.length < 2) {
      return new float[0];
    }
    try (NDManager scope = model.manager().newSubManager()) {
      int[] targets = new int[ids.length - 1];
      System.arraycopy(ids, 1, targets, 0, targets.length);
      NDArray input = scope.create(ids, new Shape(1, ids.length));
      NDArray logProbs =
          model
              .forward(scope, input.get(":, :-1"), ForwardOptions.NONE)
              .logSoftmax(-1); // [1, seq-1, vocab]
      float[] picked =
          logProbs
              .gather(
                  scope
                      .create(targets, new Shape(1, targets.length, 1))
                      .toType(DataType.INT64, false),
                  2)
              .toFloatArray();
      NonFiniteException.requireFinite(picked, "scoring " + ids.length + " tokens");
      return picked;
    }
  }
}
