package dev.iclab.emergence.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.iclab.IclabException;
import org.junit.jupiter.api.Test;

class LrScheduleTest {
  /**
   * Chan et al.'s formula, written out: min(max_lr / warmup * step, max_lr * sqrt(warmup / step)).
   */
  private static double chan(long step, double maxLr, int warmup) {
    return Math.min(maxLr / warmup * step, maxLr * Math.pow(warmup, 0.5) * Math.pow(step, -0.5));
  }

  @Test
  void rsqrtWarmsUpLinearlyThenDecaysAsOneOverTheSquareRootOfTheStep() {
    for (long step : new long[] {1, 2, 999, 1000, 1001, 4000, 16_000, 500_000}) {
      assertEquals(
          chan(step, 3e-4, 1000), LrSchedule.RSQRT.at(step, 3e-4, 1000), 1e-15, "step " + step);
    }
    assertEquals(
        3e-4, LrSchedule.RSQRT.at(1000, 3e-4, 1000), 1e-15, "the peak at the warm-up's end");
    assertEquals(
        1.5e-4, LrSchedule.RSQRT.at(4000, 3e-4, 1000), 1e-15, "4x the steps: half the rate");
    assertEquals(
        3e-4 / 10, LrSchedule.RSQRT.at(100, 3e-4, 0), 1e-15, "no warm-up: peak/sqrt(step)");
  }

  @Test
  void constantHoldsThePeakAfterWarmUp() {
    assertEquals(1.5e-3, LrSchedule.CONSTANT.at(50, 3e-3, 100), 1e-15);
    assertEquals(3e-3, LrSchedule.CONSTANT.at(100, 3e-3, 100), 1e-15);
    assertEquals(3e-3, LrSchedule.CONSTANT.at(100_000, 3e-3, 100), 1e-15);
    assertEquals(3e-3, LrSchedule.CONSTANT.at(1, 3e-3, 0), 1e-15);
  }

  @Test
  void parsesItsFlagAndRefusesOthers() {
    assertEquals(LrSchedule.RSQRT, LrSchedule.parse("rsqrt"));
    assertEquals(LrSchedule.CONSTANT, LrSchedule.parse("Constant"));
    IclabException e = assertThrows(IclabException.class, () -> LrSchedule.parse("cosine"));
    assertEquals(
        "--lr-schedule 'cosine' is unknown; use constant or rsqrt (Chan et al.'s)", e.getMessage());
  }
}
