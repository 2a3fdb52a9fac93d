package dev.iclab.analysis;

import dev.iclab.Flags;
import java.util.List;

/**
 * Where attention outputs and maps are recorded. The prediction always comes from the label words'
 * scores after the last prompt token; only the recorded position changes.
 *
 * <ul>
 *   <li>{@code OPTION0}: the FIRST option's label word (label 0, e.g. " Negative") appended after
 *       the prompt, recorded at its last token, whatever the gold label. This is Dai et al.'s
 *       choice: their {@code criterions/fs_eval.py} records {@code hiddens[:, 0, -1, :]} and {@code
 *       attn_map[:, :, -1, c_len:]} of the sequence with option 0 appended.
 *   <li>{@code LAST}: the last prompt token, the one whose next-token distribution gives the
 *       prediction.
 *   <li>{@code LABEL}: the gold label's first token appended after the prompt (teacher forcing),
 *       recorded at that token: what each setting computes once it has seen the answer.
 * </ul>
 */
public enum RecordedPosition {
  OPTION0,
  LAST,
  LABEL;

  public String flag() {
    return Flags.of(this);
  }

  /**
   * The tokens fed after the prompt before recording (the recorded position is the last of them, or
   * the last prompt token when there are none).
   *
   * @param labelTokens each label word's tokens
   * @param goldLabel the example's gold label
   */
  public int[] appended(List<int[]> labelTokens, int goldLabel) {
    return switch (this) {
      case OPTION0 -> labelTokens.get(0).clone();
      case LAST -> new int[0];
      case LABEL -> new int[] {labelTokens.get(goldLabel)[0]};
    };
  }

  public static RecordedPosition parse(String spec) {
    return Flags.parse(
        values(), spec, "unknown --position '%s'; use option0 (Dai et al.'s), last or label");
  }
}
