package dev.iclab.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DualFormTest {
  @ParameterizedTest
  @CsvSource({"16, 8, 32, 6, 1", "64, 16, 5, 1, 2", "3, 3, 1, 1, 3"})
  void linearAttentionEqualsTheZeroShotWeightsPlusTheDemonstrationUpdate(
      int d, int dk, int demos, int query, long seed) {
    DualForm check = DualForm.check(d, dk, demos, query, seed);
    assertTrue(check.relativeError() <= 1e-5, "relative error " + check.relativeError());
    assertTrue(
        check.relativeError() <= 1e-12, "float64 should be far tighter: " + check.relativeError());
    // the paper's meta-gradient loss: one back-propagated GD step is exactly dW_ICL
    assertEquals(1.0, check.linearLossCosine(), 1e-12);
    assertTrue(check.linearLossRelativeDifference() < 1e-12);
    // a squared-error loss subtracts W_ZSL sum k k^T: not the same update in general
    assertTrue(check.squaredLossCosine() < 1 - 1e-6, "cosine " + check.squaredLossCosine());
    assertEquals(dk, check.deltaIcl().length);
  }

  @ParameterizedTest
  @CsvSource({"0, 1, 1, 1", "1, 1, 0, 1"})
  void rejectsEmptySizes(int d, int dk, int demos, int query) {
    assertThrows(IclabException.class, () -> DualForm.check(d, dk, demos, query, 1));
  }

  @org.junit.jupiter.api.Test
  void sizesBeyondTheHeapAreRefusedBeforeAllocating() {
    var e =
        assertThrows(IclabException.class, () -> DualForm.check(1_000_000, 1_000_000, 32, 6, 1));
    assertTrue(e.getMessage().contains("needs about"), e.getMessage());
    assertTrue(e.getMessage().contains("--head-dim"), e.getMessage());
  }
}
