package dev.iclab.analysis;

/**
 * Which example's FT update the mismatched SimAOU baseline pairs with an example's ICL update: the
 * previous one in evaluation order, and for the first, the second. Never the example itself, and a
 * line depends only on the examples up to its own (or the second), so a run on fewer queries
 * reproduces the first lines of a longer one.
 */
public final class MismatchedPartner {
  private MismatchedPartner() {}

  /**
   * @param position the example's position among the evaluated examples
   * @param count how many examples are evaluated (at least 2)
   * @return the partner's position, never {@code position}
   */
  public static int of(int position, int count) {
    if (count < 2 || position < 0 || position >= count) {
      throw new IllegalArgumentException(
          "no partner for position " + position + " among " + count + " examples");
    }
    return position == 0 ? 1 : position - 1;
  }
}
