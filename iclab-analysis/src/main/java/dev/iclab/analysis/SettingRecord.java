package dev.iclab.analysis;

/**
 * What one setting (ZSL, ICL or FT) computed for one example.
 *
 * @param labelLogProbs log-probability of each label word's first token at the last prompt token
 * @param outputs attention block output at the recorded position, [layer][hidden]
 * @param queryScores pre-softmax attention scores from the recorded position to the query's own
 *     tokens (the positions every setting has), [layer][head][query tokens]
 */
public record SettingRecord(double[] labelLogProbs, float[][] outputs, float[][][] queryScores) {
  /** The predicted label: the label word whose first token is most likely (first on ties). */
  public int prediction() {
    int best = 0;
    for (int i = 1; i < labelLogProbs.length; i++) {
      if (labelLogProbs[i] > labelLogProbs[best]) {
        best = i;
      }
    }
    return best;
  }
}
