package dev.iclab.analysis;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.CachedPrefix;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.hooks.AttentionRecord;
import dev.iclab.lm.hooks.AttentionRecorder;
import dev.iclab.lm.score.Scorer;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs one setting on one query with the runtime's attention hooks: the query's tokens are fed
 * after a {@link CachedPrefix}, every layer is recorded at the {@link RecordedPosition}, and each
 * label word is scored by its tokens' log-probabilities after the query ({@link AnswerScore}: their
 * mean or sum; the words' later tokens run as one batch over copies of the query's cache).
 */
public final class Probe {
  private final CausalLM model;
  private final List<int[]> labelTokens;
  private final RecordedPosition position;
  private final AnswerScore answerScore;
  private final List<Integer> layers;
  private final Scorer scorer;

  /**
   * @param labelTokens each label's continuation tokens ({@code answerPrefix + word} encoded alone)
   */
  public Probe(
      CausalLM model, List<int[]> labelTokens, RecordedPosition position, AnswerScore answerScore) {
    this.model = model;
    this.labelTokens = labelTokens.stream().map(int[]::clone).toList();
    this.position = position;
    this.answerScore = answerScore;
    this.layers = IntStream.range(0, model.config().numLayers()).boxed().toList();
    this.scorer = new Scorer(model);
  }

  /**
   * @param prefix what precedes the query (may be empty)
   * @param query the query's token ids (the same in every setting)
   * @param goldLabel the gold label, whose first token is fed after the query for {@link
   *     RecordedPosition#LABEL} (option 0's tokens are fed for {@link RecordedPosition#OPTION0})
   */
  public SettingRecord run(CachedPrefix prefix, int[] query, int goldLabel) {
    return forward(prefix, query, goldLabel, true);
  }

  /** Only the label words' scores (no hooks); the record's arrays are empty. */
  public SettingRecord predict(CachedPrefix prefix, int[] query) {
    return forward(prefix, query, -1, false);
  }

  private SettingRecord forward(CachedPrefix prefix, int[] query, int goldLabel, boolean hooks) {
    int lastPrompt = prefix.length() + query.length - 1;
    int[] appended = hooks ? position.appended(labelTokens, goldLabel) : new int[0];
    int recordAt = lastPrompt + appended.length;
    AttentionRecorder recorder = new AttentionRecorder(layers, List.of(recordAt));
    try (NDManager scope = model.manager().newSubManager()) {
      KvCache cache = prefix.copy(scope);
      if (cache == null) {
        cache = model.newCache(scope);
      }
      ForwardOptions options = ForwardOptions.withCache(cache).lastOnly(true);
      boolean recordOnQuery = hooks && appended.length == 0;
      float[] first =
          model
              .forward(
                  scope,
                  scope.create(query, new Shape(1, query.length)),
                  recordOnQuery ? options.observe(recorder) : options)
              .logSoftmax(-1)
              .toFloatArray();
      double[] scores = labelScores(scope, cache, first);
      if (!hooks) {
        return new SettingRecord(scores, new float[0][], new float[0][][]);
      }
      if (appended.length > 0) {
        // scoreAfter left the cache after the query: the appended tokens follow it
        model.forward(
            scope,
            scope.create(appended, new Shape(1, appended.length)),
            options.observe(recorder));
      }
      int keys = recordAt - prefix.length() + 1; // the query's tokens (and the appended ones)
      int n = layers.size();
      float[][] outputs = new float[n][];
      float[][][] queryScores = new float[n][][];
      for (int layer = 0; layer < n; layer++) {
        AttentionRecord record =
            recorder
                .get(layer, 0, recordAt)
                .orElseThrow(() -> new IllegalStateException("hooks recorded nothing"));
        outputs[layer] = record.output();
        queryScores[layer] = lastColumns(record.scores(), keys);
      }
      return new SettingRecord(scores, outputs, queryScores);
    }
  }

  /** Each label word's score, given the first tokens' distribution. */
  private double[] labelScores(NDManager scope, KvCache cache, float[] first) {
    return scorer.scoreAfter(scope, cache, first, labelTokens).stream()
        .mapToDouble(answerScore::of)
        .toArray();
  }

  /** The scores to the last {@code keys} positions: those every setting has. */
  private static float[][] lastColumns(float[][] rows, int keys) {
    float[][] out = new float[rows.length][];
    for (int h = 0; h < rows.length; h++) {
      out[h] = Arrays.copyOfRange(rows[h], rows[h].length - keys, rows[h].length);
    }
    return out;
  }
}
