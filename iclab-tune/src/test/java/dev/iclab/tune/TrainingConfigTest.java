package dev.iclab.tune;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.lm.config.ConfigException;
import dev.iclab.tune.optim.LrSchedule;
import org.junit.jupiter.api.Test;

/** Each setting that cannot train is refused with its flag named; NaN is never accepted. */
class TrainingConfigTest {
  private static TrainingConfig config(
      double lr, int epochs, int batch, int accum, int warmup, double clip, double decay) {
    return new TrainingConfig(
        "adamw",
        lr,
        epochs,
        batch,
        accum,
        LrSchedule.Kind.LINEAR,
        warmup,
        clip,
        0.1,
        decay,
        true,
        1);
  }

  private static void refused(String flag, Runnable build) {
    ConfigException e = assertThrows(ConfigException.class, build::run);
    assertTrue(e.getMessage().startsWith(flag + " must be"), e.getMessage());
  }

  @Test
  void everyBadSettingNamesItsFlag() {
    refused("--lr", () -> config(Double.NaN, 1, 1, 1, 0, 1, 0));
    refused("--lr", () -> config(-1, 1, 1, 1, 0, 1, 0));
    refused("--lr", () -> config(Double.POSITIVE_INFINITY, 1, 1, 1, 0, 1, 0));
    refused("--epochs", () -> config(1e-3, 0, 1, 1, 0, 1, 0));
    refused("--batch-size", () -> config(1e-3, 1, 0, 1, 0, 1, 0));
    refused("--grad-accum", () -> config(1e-3, 1, 1, 0, 0, 1, 0));
    refused("--warmup-steps", () -> config(1e-3, 1, 1, 1, -1, 1, 0));
    refused("--clip-norm", () -> config(1e-3, 1, 1, 1, 0, Double.NaN, 0));
    refused("--clip-norm", () -> config(1e-3, 1, 1, 1, 0, -1, 0));
    refused("--weight-decay", () -> config(1e-3, 1, 1, 1, 0, 1, Double.NaN));
    refused("--weight-decay", () -> config(1e-3, 1, 1, 1, 0, 1, -0.1));
    refused(
        "--label-smoothing",
        () ->
            new TrainingConfig(
                "adamw", 1e-3, 1, 1, 1, LrSchedule.Kind.LINEAR, 0, 1, 1.5, 0, true, 1));
    refused(
        "--optimizer",
        () ->
            new TrainingConfig("lion", 1e-3, 1, 1, 1, LrSchedule.Kind.LINEAR, 0, 1, 0, 0, true, 1));
    assertDoesNotThrow(() -> config(1e-3, 1, 1, 1, 0, 0, 0));
  }
}
