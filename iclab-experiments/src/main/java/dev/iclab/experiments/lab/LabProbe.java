package dev.iclab.experiments.lab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.iclab.analysis.SettingRecord;
import dev.iclab.emergence.model.RowProjections;
import dev.iclab.emergence.model.SequenceModel;
import dev.iclab.lm.hooks.AttentionRecord;
import dev.iclab.lm.hooks.AttentionRecorder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs one setting of Dai et al.'s comparison on the lab's transformer, through the same attention
 * hooks ({@link AttentionRecorder}) the LM runtime's probe uses, and returns the same {@link
 * SettingRecord}s, so the metrics ({@link dev.iclab.analysis.SampleLine#of}) are shared.
 *
 * <p>Recorded position: the query token, the last position. Dai et al. append the first option's
 * label word after the prompt and record there; the lab's model has no such position (its
 * positional embedding ends at the query, and it answers with a label head at the query, not with a
 * next token), so the query, where the answer is computed, is the analogue. Label scores: the
 * log-softmax over every label at the query, for labels 0 and 1 (an episode's labels; the lab's ICL
 * accuracy is the argmax over these two). Attention maps: the scores from the query to the query's
 * own tokens, which here is one token, so SimAM is undefined ({@link
 * dev.iclab.analysis.metrics.SimAm#of} gives NaN).
 */
public final class LabProbe {
  /** Labels an episode uses: its two classes are re-assigned to labels 0 and 1. */
  public static final int EPISODE_LABELS = 2;

  /** Rows per forward pass: bounds the logits' memory with 65,536 labels. */
  static final int CHUNK = 128;

  private final SequenceModel model;
  private final NDManager root;
  private final int tokens;
  private final int inputDim;
  private final List<Integer> layers;

  public LabProbe(SequenceModel model, NDManager root, int tokens, int inputDim) {
    this.model = model;
    this.root = root;
    this.tokens = tokens;
    this.inputDim = inputDim;
    this.layers = IntStream.range(0, model.config().layers()).boxed().toList();
  }

  /**
   * Every row with hooks: label scores, each layer's attention output and scores at the query.
   *
   * @param inputs [rows, tokens, inputDim] row-major
   */
  public List<SettingRecord> run(float[] inputs, int rows) {
    List<SettingRecord> records = new ArrayList<>(rows);
    for (int start = 0; start < rows; start += CHUNK) {
      records.addAll(forward(inputs, start, Math.min(CHUNK, rows - start), true, null));
    }
    return records;
  }

  /**
   * One forward of as many rows as the projections have, each row with its own attention
   * projections (the copies of {@link BatchedKvFineTuner}).
   *
   * @param inputs [rows, tokens, inputDim] row-major
   * @param hooks also record the attention outputs and scores (else the records' arrays are empty)
   */
  public List<SettingRecord> run(float[] inputs, RowProjections projections, boolean hooks) {
    int rows = Math.toIntExact(projections.weights().get(0).getShape().get(0));
    return forward(inputs, 0, rows, hooks, projections);
  }

  // the NDScope is used only for its close(), which frees what the forward created (the model
  // slices its positional embedding in its own manager)
  @SuppressWarnings("try")
  private List<SettingRecord> forward(
      float[] inputs, int start, int rows, boolean hooks, RowProjections projections) {
    int length = tokens * inputDim;
    float[] chunk = Arrays.copyOfRange(inputs, start * length, (start + rows) * length);
    int query = tokens - 1;
    AttentionRecorder recorder = hooks ? new AttentionRecorder(layers, List.of(query)) : null;
    float[] scores;
    try (NDScope scope = new NDScope();
        NDManager step = root.newSubManager()) {
      NDArray x = step.create(chunk, new Shape(rows, tokens, inputDim));
      NDArray logits = model.logits(x, -1, recorder, projections); // [rows, labels]
      scores = logits.logSoftmax(-1).get(":, :" + EPISODE_LABELS).toFloatArray(); // [rows * 2]
    }
    List<SettingRecord> records = new ArrayList<>(rows);
    for (int b = 0; b < rows; b++) {
      double[] labelScores = new double[EPISODE_LABELS];
      for (int k = 0; k < EPISODE_LABELS; k++) {
        labelScores[k] = scores[b * EPISODE_LABELS + k];
      }
      if (!hooks) {
        records.add(new SettingRecord(labelScores, new float[0][], new float[0][][]));
        continue;
      }
      float[][] outputs = new float[layers.size()][];
      float[][][] queryScores = new float[layers.size()][][];
      for (int layer : layers) {
        int row = b;
        AttentionRecord record =
            recorder
                .get(layer, row, query)
                .orElseThrow(() -> new IllegalStateException("hooks recorded nothing"));
        outputs[layer] = record.output();
        queryScores[layer] = lastColumn(record.scores());
      }
      records.add(new SettingRecord(labelScores, outputs, queryScores));
    }
    return records;
  }

  /** The scores to the query itself: the only query token, which every setting has. */
  private static float[][] lastColumn(float[][] rows) {
    float[][] out = new float[rows.length][];
    for (int h = 0; h < rows.length; h++) {
      out[h] = new float[] {rows[h][rows[h].length - 1]};
    }
    return out;
  }
}
