package dev.iclab.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iclab.IclabException;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrderAndCalibrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** run.json records the flags as before the enums, so older runs still resume. */
  @Test
  void flagsRoundTripThroughJsonAsTheirCommandLineSpelling() throws Exception {
    assertEquals(
        "[\"given\",\"globale\",\"-\"]",
        JSON.writeValueAsString(List.of(Order.GIVEN, Order.GLOBALE, Order.NONE)));
    assertEquals(
        "[\"none\",\"contextual\"]", JSON.writeValueAsString(List.of(Calibration.values())));
    for (Order o : Order.values()) {
      assertEquals(o, JSON.readValue("\"" + o.flag() + "\"", Order.class));
    }
    assertEquals(Calibration.CONTEXTUAL, Calibration.parse("contextual"));
    assertTrue(Order.LOCALE.ranksByEntropy() && !Order.PERMUTATIONS.ranksByEntropy());
  }

  @Test
  void unknownValuesNameTheChoices() {
    var e = assertThrows(IclabException.class, () -> Order.parse("globalE"));
    assertEquals(
        "unknown --order 'globalE'; use given, random, similarity, permutations, globale, locale",
        e.getMessage());
    e = assertThrows(IclabException.class, () -> Calibration.parse("zhao"));
    assertEquals("unknown --calibrate 'zhao'; use none or contextual", e.getMessage());
  }
}
