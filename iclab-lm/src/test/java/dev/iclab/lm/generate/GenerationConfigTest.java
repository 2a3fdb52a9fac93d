package dev.iclab.lm.generate;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.IclabException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sampling settings that cannot work are refused with the flag named. */
class GenerationConfigTest {
  private static GenerationConfig sampling(double temperature, double topP) {
    return new GenerationConfig(8, false, temperature, 0, topP, 1, List.of(), List.of());
  }

  @Test
  void temperatureMustBeFiniteAndPositive() {
    for (double bad :
        new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      IclabException e = assertThrows(IclabException.class, () -> sampling(bad, 1));
      assertTrue(
          e.getMessage().startsWith("--temperature must be a finite number > 0"), e::getMessage);
    }
    assertDoesNotThrow(() -> sampling(1e-3, 1));
    assertDoesNotThrow(() -> sampling(100, 1));
  }

  @Test
  void topPMustBeAProbability() {
    for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
      IclabException e = assertThrows(IclabException.class, () -> sampling(1, bad));
      assertTrue(e.getMessage().startsWith("--top-p must be in (0, 1]"), e::getMessage);
    }
  }
}
