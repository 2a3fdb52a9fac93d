package dev.iclab.cli.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MedianTest {
  @Test
  void middleOfAnOddCount() {
    assertEquals(2.0, Median.of(new double[] {3, 1, 2}));
    assertEquals(5.0, Median.of(List.of(9.0, 5.0, 1.0, 7.0, 2.0)));
  }

  @Test
  void upperMiddleOfAnEvenCountAndTheInputUntouched() {
    double[] values = {4, 1, 3, 2};
    assertEquals(3.0, Median.of(values));
    assertArrayEquals(new double[] {4, 1, 3, 2}, values);
    assertEquals(3.0, Median.of(List.of(4.0, 1.0, 3.0, 2.0)));
  }
}
