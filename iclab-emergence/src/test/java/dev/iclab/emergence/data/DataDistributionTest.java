package dev.iclab.emergence.data;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import org.junit.jupiter.api.Test;

class DataDistributionTest {
  @Test
  void rejectsBadKnobsNamingTheFlag() {
    assertMessage(
        () -> new DataDistribution(8, 1.5, 100, 10, 0, 0.1, 0, 32, 1, false), "--p-bursty");
    assertMessage(() -> new DataDistribution(8, 0.5, 1, 10, 0, 0.1, 0, 32, 1, false), "--classes");
    assertMessage(() -> new DataDistribution(8, 0.5, 100, 10, -1, 0.1, 0, 32, 1, false), "--zipf");
    assertMessage(() -> new DataDistribution(8, 0.5, 100, 10, 0, -0.1, 0, 32, 1, false), "--noise");
    assertMessage(
        () -> new DataDistribution(8, 0.5, 100, 10, 0, 0.1, 0, 32, 33, false),
        "--labels-per-class");
    assertMessage(
        () -> new DataDistribution(4, 0.5, 100, 10, 0, 0.1, 0, 32, 1, false), "context pairs");
  }

  private static void assertMessage(Runnable r, String fragment) {
    IclabException e = assertThrows(IclabException.class, r::run);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
