package dev.iclab.tune.pretrain;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iclab.lm.config.AttentionVariant;
import dev.iclab.lm.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shapes that cannot be built are refused with the figure, before any weight is allocated. */
class ModelShapeTest {
  private static ModelShape shape(String arch, int layers, int hidden, int context) {
    return new ModelShape(
        arch, layers, hidden, 2, context, 2048, 1, List.of(2), AttentionVariant.STANDARD);
  }

  @Test
  void billionsOfLayersAreRefusedNamingTheMemory() {
    for (String arch : List.of("llama", "gpt2")) {
      var e = assertThrows(ConfigException.class, () -> shape(arch, 1_000_000_000, 32, 16));
      assertTrue(e.getMessage().contains("GiB"), e.getMessage());
      assertTrue(e.getMessage().contains("--layers"), e.getMessage());
    }
  }

  @Test
  void aMatrixBeyondOneArrayIsRefusedNamingTheFlag() {
    var e = assertThrows(ConfigException.class, () -> shape("llama", 1, 1 << 20, 16));
    assertTrue(e.getMessage().contains("more than one array can"), e.getMessage());
    assertTrue(e.getMessage().contains("--hidden"), e.getMessage());
  }

  @Test
  void aSmallModelFits() {
    assertDoesNotThrow(() -> shape("llama", 2, 128, 128));
    assertDoesNotThrow(() -> shape("gpt2", 12, 768, 1024)); // GPT-2 small: 0.5 GiB to initialise
  }
}
