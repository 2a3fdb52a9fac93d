package dev.iclab.lm;

import static org.junit.jupiter.api.Assertions.fail;

/** Comparisons for float32 results that were computed in a different order. */
public final class Tolerances {
  private Tolerances() {}

  /**
   * Asserts |expected - actual| <= tolerance * max(1, |expected|) element-wise: an absolute bound
   * for small values and a relative one for large logits (TinyStories' reach ~18, where one float32
   * ulp is already 2e-6).
   */
  public static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
    if (expected.length != actual.length) {
      fail(what + ": length " + actual.length + " != " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double bound = tolerance * Math.max(1, Math.abs(expected[i]));
      if (!(Math.abs(expected[i] - actual[i]) <= bound)) {
        fail(
            "%s: index %d expected %s but was %s (bound %.2g)"
                .formatted(what, i, expected[i], actual[i], bound));
      }
    }
  }
}
