package dev.iclab.tune.pretrain;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Bad training settings fail when the config is made, before any run folder exists. */
class PretrainConfigTest {
  private static PretrainConfig config(double weightDecay, double clipNorm) {
    return new PretrainConfig(
        "llama",
        1,
        32,
        2,
        16,
        AttentionVariant.STANDARD,
        Path.of("tok"),
        Path.of("data.txt"),
        null,
        4,
        2,
        1e-3,
        0,
        weightDecay,
        clipNorm,
        0,
        0,
        0,
        1);
  }

  @Test
  void nanOrInfiniteClipNormAndWeightDecayAreRefused() {
    for (double[] bad :
        new double[][] {
          {0, Double.NaN}, {Double.NaN, 1}, {0, Double.POSITIVE_INFINITY}, {-1, 1}, {0, -1}
        }) {
      var e = assertThrows(ConfigException.class, () -> config(bad[0], bad[1]));
      assertTrue(e.getMessage().contains("--clip-norm must be finite and >= 0"), e.getMessage());
    }
    assertDoesNotThrow(() -> config(0.1, 1));
  }
}
