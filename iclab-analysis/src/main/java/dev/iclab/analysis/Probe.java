package dev.iclab.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.iclab.lm.arch.CausalLM;
import dev.iclab.lm.arch.ForwardOptions;
import dev.iclab.lm.cache.KvCache;
import dev.iclab.lm.hooks.AttentionRecord;
import dev.iclab.lm.hooks.AttentionRecorder;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs one setting on one query with the runtime's attention hooks: the query's tokens are fed
 * after a {@link CachedPrefix}, every layer is recorded at the {@link RecordedPosition}, and each
 * label word is scored by the sum of its tokens' log-probabilities after the query (the words'
 * later tokens as one batch over copies of the query's cache).
 */
public final class Probe {
  private final CausalLM model;
  private final List<int[]> labelTokens;
  private final RecordedPosition position;
  private final List<Integer> layers;

  /**
   * @param labelTokens each label's continuation tokens ({@code answerPrefix + word} encoded alone)
   */
  public Probe(CausalLM model, List<int[]> labelTokens, RecordedPosition position) {
    this.model = model;
    this.labelTokens = labelTokens.stream().map(int[]::clone).toList();
    this.position = position;
    this.layers = IntStream.range(0, model.config().numLayers()).boxed().toList();
  }

  /**
   * @param prefix what precedes the query (may be empty)
   * @param query the query's token ids (the same in every setting)
   * @param goldLabel the gold label, whose first token is fed after the query for {@link
   *     RecordedPosition#LABEL}
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
    boolean atLabel = position == RecordedPosition.LABEL;
    int recordAt = atLabel ? lastPrompt + 1 : lastPrompt;
    AttentionRecorder recorder = new AttentionRecorder(layers, List.of(recordAt));
    try (NDManager scope = model.manager().newSubManager()) {
      KvCache cache = prefix.copy(scope);
      if (cache == null) {
        cache = model.newCache(scope);
      }
      ForwardOptions options = ForwardOptions.withCache(cache).lastOnly(true);
      float[] first =
          model
              .forward(
                  scope,
                  scope.create(query, new Shape(1, query.length)),
                  hooks && !atLabel ? options.observe(recorder) : options)
              .logSoftmax(-1)
              .toFloatArray();
      double[] scores = labelScores(scope, cache, first);
      if (!hooks) {
        return new SettingRecord(scores, new float[0][], new float[0][][]);
      }
      if (atLabel) {
        int token = labelTokens.get(goldLabel)[0];
        model.forward(
            scope, scope.create(new int[] {token}, new Shape(1, 1)), options.observe(recorder));
      }
      int keys = recordAt - prefix.length() + 1; // the query's tokens (and the label's)
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

  /** Sum of each label word's token log-probabilities, given the first tokens' distribution. */
  private double[] labelScores(NDManager scope, KvCache cache, float[] first) {
    int n = labelTokens.size();
    double[] scores = new double[n];
    int longest = 0;
    for (int i = 0; i < n; i++) {
      scores[i] = first[labelTokens.get(i)[0]];
      longest = Math.max(longest, labelTokens.get(i).length);
    }
    if (longest < 2) {
      return scores;
    }
    // Feed every word but its last token as one right-padded batch; read the next tokens' scores.
    int width = longest - 1;
    int[] inputs = new int[n * width];
    int[] targets = new int[n * width];
    for (int i = 0; i < n; i++) {
      int[] word = labelTokens.get(i);
      for (int t = 0; t + 1 < word.length; t++) {
        inputs[i * width + t] = word[t];
        targets[i * width + t] = word[t + 1];
      }
    }
    try (KvCache batch = cache.repeatBatch(scope, n)) {
      NDArray logProbs =
          model
              .forward(
                  scope, scope.create(inputs, new Shape(n, width)), ForwardOptions.withCache(batch))
              .logSoftmax(-1);
      float[] picked =
          logProbs
              .gather(
                  scope.create(targets, new Shape(n, width, 1)).toType(DataType.INT64, false), 2)
              .toFloatArray();
      for (int i = 0; i < n; i++) {
        for (int t = 0; t + 1 < labelTokens.get(i).length; t++) {
          scores[i] += picked[i * width + t];
        }
      }
    }
    return scores;
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
