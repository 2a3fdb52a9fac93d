package dev.iclab;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FlagChecksTest {
  @Test
  void belowTheLeastIsRefusedNamingTheFlag() {
    var e = assertThrows(IclabException.class, () -> FlagChecks.atLeast("--repeats", 0, 1));
    assertEquals("--repeats must be >= 1, got 0", e.getMessage());
    assertDoesNotThrow(() -> FlagChecks.atLeast("--repeats", 1, 1));
    assertDoesNotThrow(() -> FlagChecks.atLeast("--forwards", Long.MAX_VALUE, 1));
  }
}
