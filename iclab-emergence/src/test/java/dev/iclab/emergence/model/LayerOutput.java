package dev.iclab.emergence.model;

import ai.djl.ndarray.NDArray;
import dev.iclab.tensor.AttentionObserver;

/** One layer's attention block output (after the output projection), read through the hooks. */
final class LayerOutput {
  private LayerOutput() {}

  /**
   * @param inputs [batch, tokens, inputDim]
   * @return [batch, tokens, width], row-major
   */
  static float[] of(SequenceModel model, NDArray inputs, int layer) {
    float[][] seen = new float[1][];
    AttentionObserver observer =
        new AttentionObserver() {
          @Override
          public boolean observes(int l) {
            return l == layer;
          }

          @Override
          public void onAttention(int l, int queryOffset, NDArray scores, NDArray probs) {}

          @Override
          public void onAttentionOutput(int l, int queryOffset, NDArray output) {
            seen[0] = output.toFloatArray();
          }
        };
    model.logits(inputs, -1, observer);
    return seen[0];
  }
}
