package dev.iclab.analysis;

import dev.iclab.lm.LabelScores;

/**
 * What one setting (ZSL, ICL or FT) computed for one example.
 *
 * @param labelLogProbs each label word's score: the mean or sum ({@link AnswerScore}) of its
 *     tokens' log-probabilities after the prompt
 * @param outputs attention block output at the recorded position, [layer][hidden]
 * @param queryScores pre-softmax attention scores from the recorded position to the query's own
 *     tokens (the positions every setting has), [layer][head][query tokens]
 */
public record SettingRecord(double[] labelLogProbs, float[][] outputs, float[][][] queryScores) {
  /** The predicted label: the label word with the highest score (the first on ties). */
  public int prediction() {
    return LabelScores.argmax(labelLogProbs);
  }
}
