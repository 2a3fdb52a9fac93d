package dev.iclab.emergence.data;

/** How item/label pairs become tokens. */
public enum TokenFormat {
  /**
   * The paper's format: item, label, item, label, ..., query item (2 * pairs + 1 tokens). Reading a
   * label from the context needs a two-layer induction circuit.
   */
  INTERLEAVED,
  /**
   * Item and its label in one token, then the query item alone (pairs + 1 tokens). One attention
   * layer can match the query to a context item and copy its label, so ICL forms much sooner.
   */
  PAIRED;

  /** Tokens per sequence. */
  public int tokens(int pairs) {
    return this == INTERLEAVED ? 2 * pairs + 1 : pairs + 1;
  }
}
