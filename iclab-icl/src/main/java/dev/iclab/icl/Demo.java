package dev.iclab.icl;

import dev.iclab.data.Example;

/**
 * One demonstration as shown in a prompt.
 *
 * @param example the training example
 * @param shownLabel the label whose word the prompt shows (may differ from the gold label under
 *     label corruption); ignored for {@link Form#INPUT_ONLY}
 * @param form what of the demonstration is shown
 */
public record Demo(Example example, int shownLabel, Form form) {
  /** Min et al.'s variants: the whole demonstration, inputs only, or labels only. */
  public enum Form {
    FULL,
    INPUT_ONLY,
    LABEL_ONLY
  }

  public static Demo gold(Example example) {
    return new Demo(example, example.label(), Form.FULL);
  }
}
