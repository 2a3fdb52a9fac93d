package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.lm.config.ConfigException;
import dev.iclab.tune.optim.LrSchedule;
import org.junit.jupiter.api.Test;

/** The number of optimizer steps, at ordinary and at extreme batch sizes and epoch counts. */
class TrainingScheduleTest {
  private static TrainingConfig config(int epochs, int batchSize, int gradAccum) {
    return new TrainingConfig(
        "adamw", 1e-3, epochs, batchSize, gradAccum, LrSchedule.Kind.CONSTANT, 0, 1, 0, 0, true, 1);
  }

  @Test
  void stepsRoundUpPartialBatchesAndAccumulations() {
    assertEquals(4, config(1, 3, 1).totalSteps(10)); // batches of 3,3,3,1
    assertEquals(2, config(1, 3, 3).totalSteps(10)); // 4 batches, 3 per step
    assertEquals(6, config(3, 4, 2).totalSteps(10)); // 3 batches -> 2 steps, 3 epochs
  }

  @Test
  void hugeBatchSizeIsOneStepPerEpochNotAWrappedNegative() {
    assertEquals(1, config(1, Integer.MAX_VALUE, 1).totalSteps(10));
    assertEquals(2, config(2, Integer.MAX_VALUE, Integer.MAX_VALUE).totalSteps(Integer.MAX_VALUE));
  }

  @Test
  void stepCountBeyondIntIsRefused() {
    var e =
        assertThrows(ConfigException.class, () -> config(Integer.MAX_VALUE, 1, 1).totalSteps(1000));
    assertTrue(e.getMessage().contains("use fewer epochs"), e.getMessage());
  }
}
