package dev.iclab.analysis;

import dev.iclab.IclabException;

/**
 * Where attention outputs and maps are recorded.
 *
 * <ul>
 *   <li>{@code LAST}: the last prompt token, the one whose next-token distribution gives the
 *       prediction (Dai et al.'s choice).
 *   <li>{@code LABEL}: the gold label's first token appended after the prompt (teacher forcing),
 *       recorded at that token: what each setting computes once it has seen the answer. The
 *       prediction still comes from the last prompt token.
 * </ul>
 */
public enum RecordedPosition {
  LAST("last"),
  LABEL("label");

  private final String flag;

  RecordedPosition(String flag) {
    this.flag = flag;
  }

  public String flag() {
    return flag;
  }

  public static RecordedPosition parse(String spec) {
    for (RecordedPosition p : values()) {
      if (p.flag.equals(spec)) {
        return p;
      }
    }
    throw new IclabException("unknown --position '%s'; use last or label".formatted(spec));
  }
}
