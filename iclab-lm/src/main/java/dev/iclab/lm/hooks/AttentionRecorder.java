package dev.iclab.lm.hooks;

import ai.djl.ndarray.NDArray;
import dev.iclab.tensor.AttentionObserver;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Records, for chosen layers and absolute positions, the pre-softmax attention scores, the
 * attention probabilities, and the attention block's output (after the output projection, before
 * the residual add), copied into Java arrays so they outlive the forward pass.
 *
 * <p>Read-only: recording does not change the model's outputs.
 */
public final class AttentionRecorder implements AttentionObserver {
  private final Set<Integer> layers;
  private final Set<Integer> positions; // empty: every position
  private final Map<Key, AttentionRecord.Builder> records = new LinkedHashMap<>();

  private record Key(int layer, int batch, int position) {}

  /**
   * @param layers layer indices to record
   * @param positions absolute token positions (0-based) to record; empty records every position
   */
  public AttentionRecorder(Collection<Integer> layers, Collection<Integer> positions) {
    this.layers = Set.copyOf(layers);
    this.positions = new TreeSet<>(positions);
  }

  @Override
  public boolean observes(int layer) {
    return layers.contains(layer);
  }

  @Override
  public void onAttention(int layer, int queryOffset, NDArray scores, NDArray probs) {
    long batch = scores.getShape().get(0);
    long queries = scores.getShape().get(2);
    for (int b = 0; b < batch; b++) {
      for (int q = 0; q < queries; q++) {
        int position = queryOffset + q;
        if (!positions.isEmpty() && !positions.contains(position)) {
          continue;
        }
        String keys = ":" + (position + 1); // keys a causal query can see
        builder(layer, b, position)
            .attention(
                rows(scores.get(b + ", :, " + q + ", " + keys)),
                rows(probs.get(b + ", :, " + q + ", " + keys)));
      }
    }
  }

  @Override
  public void onAttentionOutput(int layer, int queryOffset, NDArray output) {
    long batch = output.getShape().get(0);
    long queries = output.getShape().get(1);
    for (int b = 0; b < batch; b++) {
      for (int q = 0; q < queries; q++) {
        int position = queryOffset + q;
        if (positions.isEmpty() || positions.contains(position)) {
          builder(layer, b, position).output(output.get(b + ", " + q).toFloatArray());
        }
      }
    }
  }

  private static float[][] rows(NDArray headsByKeys) {
    int heads = (int) headsByKeys.getShape().get(0);
    int keys = (int) headsByKeys.getShape().get(1);
    float[] flat = headsByKeys.toFloatArray();
    float[][] rows = new float[heads][keys];
    for (int h = 0; h < heads; h++) {
      System.arraycopy(flat, h * keys, rows[h], 0, keys);
    }
    return rows;
  }

  private AttentionRecord.Builder builder(int layer, int batch, int position) {
    return records.computeIfAbsent(
        new Key(layer, batch, position), k -> new AttentionRecord.Builder(layer, batch, position));
  }

  /** The record of one layer, batch row and position, if it was recorded. */
  public Optional<AttentionRecord> get(int layer, int batch, int position) {
    AttentionRecord.Builder builder = records.get(new Key(layer, batch, position));
    return Optional.ofNullable(builder).map(AttentionRecord.Builder::build);
  }

  /** Everything recorded, in recording order. */
  public java.util.List<AttentionRecord> all() {
    return records.values().stream().map(AttentionRecord.Builder::build).toList();
  }

  /** Forgets what was recorded (e.g. between examples). */
  public void clear() {
    records.clear();
  }
}
