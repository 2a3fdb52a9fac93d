package dev.iclab.lm.tokenizer;

import java.util.Arrays;

/**
 * Token ids of a text with the part of the text each token came from.
 *
 * <p>Offsets are Java {@code char} indices into the encoded string, end exclusive, so {@code
 * text.substring(start(i), end(i))} is the text of token {@code i}. When a byte-level tokenizer
 * splits one character over several tokens (an emoji, say), each of those tokens spans the whole
 * character; a token made up by a normalizer (a prepended {@code ▁}) may span nothing or the
 * character after it. The arrays are copied in and out, so an {@code Encoding} is immutable.
 *
 * @param ids token ids, one per token
 * @param starts start offset of each token
 * @param ends end offset (exclusive) of each token
 */
public record Encoding(int[] ids, int[] starts, int[] ends) {

  /**
   * @throws IllegalArgumentException if the arrays differ in length or a span is reversed
   */
  public Encoding {
    if (ids.length != starts.length || ids.length != ends.length) {
      throw new IllegalArgumentException(
          "ids, starts and ends must have the same length, got %d, %d, %d"
              .formatted(ids.length, starts.length, ends.length));
    }
    for (int i = 0; i < ids.length; i++) {
      if (starts[i] < 0 || ends[i] < starts[i]) {
        throw new IllegalArgumentException(
            "token %d has span [%d, %d)".formatted(i, starts[i], ends[i]));
      }
    }
    ids = ids.clone();
    starts = starts.clone();
    ends = ends.clone();
  }

  /** The number of tokens. */
  public int size() {
    return ids.length;
  }

  @Override
  public int[] ids() {
    return ids.clone();
  }

  @Override
  public int[] starts() {
    return starts.clone();
  }

  @Override
  public int[] ends() {
    return ends.clone();
  }

  /** Start offset of token {@code index}. */
  public int start(int index) {
    return starts[index];
  }

  /** End offset (exclusive) of token {@code index}. */
  public int end(int index) {
    return ends[index];
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Encoding that
        && Arrays.equals(ids, that.ids)
        && Arrays.equals(starts, that.starts)
        && Arrays.equals(ends, that.ends);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(starts)) + Arrays.hashCode(ends);
  }

  @Override
  public String toString() {
    return "Encoding[ids=%s, starts=%s, ends=%s]"
        .formatted(Arrays.toString(ids), Arrays.toString(starts), Arrays.toString(ends));
  }
}
