package dev.iclab.lm.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.config.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Scores contexts that share nothing (each prompt with its own demonstrations: kNN or BM25
 * selection) in batches of similar length: the contexts are sorted by length, cut into groups whose
 * lengths differ little, and each group runs as one left-padded [batch, longest] forward (an
 * attention mask hides the padding; positions count real tokens only), which gives every first
 * continuation token; the continuations' further tokens run as one right-padded batch over that
 * cache repeated per continuation. Equal to {@link Scorer#score} on each context within float
 * rounding; the grouping depends only on the lengths, so the same requests give the same floats.
 */
public final class PaddedBatchScorer {
  /** The batch's repeated KV cache may take this much memory; larger batches are split. */
  public static final long BATCH_CACHE_BYTES = 1L << 30;

  /**
   * A group's contexts are at most this fraction (plus {@link #SLACK} tokens) longer than its
   * shortest.
   */
  private static final double SPREAD = 0.125;

  private static final int SLACK = 4;

  private final CausalLM model;
  private final long batchCacheBytes;

  public PaddedBatchScorer(CausalLM model) {
    this(model, BATCH_CACHE_BYTES);
  }

  /** With another memory bound (tests). */
  public PaddedBatchScorer(CausalLM model, long batchCacheBytes) {
    this.model = model;
    this.batchCacheBytes = batchCacheBytes;
  }

  /**
   * @return per request, one score per continuation, in order
   */
  public List<List<ContinuationScore>> score(List<ScoreRequest> requests) {
    Integer[] order = new Integer[requests.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingInt(i -> requests.get(i).context().length));
    List<List<ContinuationScore>> out = new ArrayList<>(Collections.nCopies(order.length, null));
    int start = 0;
    while (start < order.length) {
      List<ScoreRequest> group = new ArrayList<>(List.of(requests.get(order[start])));
      int shortest = group.get(0).context().length;
      int end = start + 1;
      while (end < order.length) {
        ScoreRequest next = requests.get(order[end]);
        List<ScoreRequest> grown = new ArrayList<>(group);
        grown.add(next);
        if (next.context().length > shortest * (1 + SPREAD) + SLACK
            || grown.size() > rowsPerForward(grown)) {
          break;
        }
        group = grown;
        end++;
      }
      List<List<ContinuationScore>> scores =
          group.size() == 1
              ? List.of(
                  new Scorer(model).score(group.get(0).context(), group.get(0).continuations()))
              : batch(group);
      for (int i = start; i < end; i++) {
        out.set(order[i], scores.get(i - start));
      }
      start = end;
    }
    return out;
  }

  /**
   * How many requests one forward may take so that the cache repeated for every row (and every
   * continuation, for continuations of several tokens) stays within the memory bound.
   */
  public int rowsPerForward(List<ScoreRequest> requests) {
    if (requests.isEmpty()) {
      return 1;
    }
    ModelConfig config = model.config();
    long bytesPerToken = 2L * config.numLayers() * config.numKeyValueHeads() * config.headDim() * 4;
    int longestContext = requests.stream().mapToInt(r -> r.context().length).max().orElse(0);
    int longestLabel =
        requests.stream().mapToInt(ScoreRequest::longestContinuation).max().orElse(0);
    int continuations = requests.stream().mapToInt(r -> r.continuations().size()).max().orElse(0);
    int copies = longestLabel > 1 ? 1 + continuations : 1;
    long perRow = bytesPerToken * (longestContext + longestLabel) * copies;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, batchCacheBytes / Math.max(1, perRow)));
  }

  private List<List<ContinuationScore>> batch(List<ScoreRequest> requests) {
    int batch = requests.size();
    int width = requests.stream().mapToInt(r -> r.context().length).max().orElse(0);
    int[] ids = new int[batch * width];
    int[] mask = new int[batch * width];
    for (int b = 0; b < batch; b++) {
      int[] context = requests.get(b).context();
      int n = context.length;
      System.arraycopy(context, 0, ids, b * width + width - n, n); // left padding
      Arrays.fill(mask, b * width + width - n, (b + 1) * width, 1);
    }
    try (NDManager scope = model.manager().newSubManager();
        KvCache cache = model.newCache(scope)) {
      NDArray padding = scope.create(mask, new Shape(batch, width));
      float[] first =
          model
              .forward(
                  scope,
                  scope.create(ids, new Shape(batch, width)),
                  ForwardOptions.withCache(cache).mask(padding).lastOnly(true))
              .logSoftmax(-1)
              .toFloatArray(); // [batch * vocab]
      int vocab = first.length / batch;
      int longest = requests.stream().mapToInt(ScoreRequest::longestContinuation).max().orElse(0);
      int labels = requests.stream().mapToInt(r -> r.continuations().size()).max().orElse(0);
      float[][] rest = longest > 1 ? rest(scope, cache, padding, requests, labels, longest) : null;
      List<List<ContinuationScore>> out = new ArrayList<>();
      for (int b = 0; b < batch; b++) {
        List<ContinuationScore> scores = new ArrayList<>();
        List<int[]> continuations = requests.get(b).continuations();
        for (int i = 0; i < continuations.size(); i++) {
          int[] c = continuations.get(i);
          float[] logProbs = new float[c.length];
          logProbs[0] = first[b * vocab + c[0]];
          for (int t = 1; t < c.length; t++) {
            logProbs[t] = rest[b * labels + i][t - 1];
          }
          scores.add(new ContinuationScore(c, logProbs));
        }
        out.add(scores);
      }
      return out;
    }
  }

  /**
   * The continuations' tokens after the first: row {@code b * labels + i} is request b's
   * continuation i, on request b's cache row (repeatBatch repeats each row in place), its padding
   * mask extended by the continuation's tokens. Row r, entry t-1 is log P(token t | context, tokens
   * before t).
   */
  private float[][] rest(
      NDManager scope,
      KvCache cache,
      NDArray padding,
      List<ScoreRequest> requests,
      int labels,
      int longest) {
    int rows = requests.size() * labels;
    int width = longest - 1;
    int[] inputs = new int[rows * width];
    int[] targets = new int[rows * width];
    for (int b = 0; b < requests.size(); b++) {
      List<int[]> continuations = requests.get(b).continuations();
      for (int i = 0; i < continuations.size(); i++) {
        int[] c = continuations.get(i);
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
}
