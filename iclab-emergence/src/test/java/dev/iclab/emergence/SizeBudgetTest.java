package dev.iclab.emergence;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Extreme emergence sizes are refused before any allocation, naming the flags to lower. */
class SizeBudgetTest {
  @ParameterizedTest
  @EnumSource(Preset.class)
  void everyPresetFits(Preset preset) {
    assertDoesNotThrow(() -> Settings.of(preset).toSpec("run"));
  }

  @ParameterizedTest
  @CsvSource({
    "classes, 2000000000, --classes or --item-dim",
    "item-dim, 2000000000, --classes or --item-dim",
    "eval-size, 2000000000, --eval-size or --item-dim",
    "labels, 2000000000, --eval-size or --item-dim",
    "batch, 2000000000, --batch or --item-dim",
    "width, 2000000000, lower --layers/--width",
    "layers, 2000000000, lower --layers/--width"
  })
  void extremeSizeIsRefusedWithTheFlagToLower(String flag, String value, String advice) {
    Settings settings = Settings.of(Preset.QUICK).with(flag, value);
    if (flag.equals("width")) {
      settings = settings.with("heads", "1");
    }
    Settings finalSettings = settings;
    var e = assertThrows(IclabException.class, () -> finalSettings.toSpec("run"));
    assertTrue(e.getMessage().contains(advice), e.getMessage());
  }

  @Test
  void memoryRefusalNamesTheFigures() {
    Settings settings = Settings.of(Preset.QUICK).with("layers", "100000").with("width", "4096");
    var e = assertThrows(IclabException.class, () -> settings.toSpec("run"));
    assertTrue(
        e.getMessage().matches("these sizes need about [0-9.]+ GiB \\(model .*"), e.getMessage());
    assertTrue(e.getMessage().contains("but this machine has"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"clip, NaN", "clip, -1", "clip, Infinity", "warmup, -1", "checkpoint-every, -1"})
  void nonFiniteOrNegativeTrainingSettingsAreRefused(String flag, String value) {
    Settings settings = Settings.of(Preset.QUICK).with(flag, value);
    var e = assertThrows(IclabException.class, () -> settings.toSpec("run"));
    assertTrue(
        e.getMessage().startsWith("--warmup, --clip and --checkpoint-every must be finite"),
        e.getMessage());
  }
}
