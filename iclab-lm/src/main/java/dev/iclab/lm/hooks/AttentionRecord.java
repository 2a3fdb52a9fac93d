package dev.iclab.lm.hooks;

/**
 * What one layer's attention did at one position of one batch row.
 *
 * @param scores pre-softmax scores q.k * scale before masking, [heads][position + 1]
 * @param probs attention probabilities, [heads][position + 1]
 * @param output attention block output after the output projection, [hidden]; null if the model did
 *     not report it
 */
public record AttentionRecord(
    int layer, int batch, int position, float[][] scores, float[][] probs, float[] output) {

  static final class Builder {
    private final int layer;
    private final int batch;
    private final int position;
    private float[][] scores;
    private float[][] probs;
    private float[] output;

    Builder(int layer, int batch, int position) {
      this.layer = layer;
      this.batch = batch;
      this.position = position;
    }

    Builder attention(float[][] newScores, float[][] newProbs) {
      scores = newScores;
      probs = newProbs;
      return this;
    }

    Builder output(float[] newOutput) {
      output = newOutput;
      return this;
    }

    AttentionRecord build() {
      return new AttentionRecord(layer, batch, position, scores, probs, output);
    }
  }
}
