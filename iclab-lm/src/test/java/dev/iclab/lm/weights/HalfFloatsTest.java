package dev.iclab.lm.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {
  @Test
  void everyF16BitPatternRoundTrips() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float value = HalfFloats.f16ToFloat((short) bits);
      if (Float.isNaN(value)) {
        continue;
      }
      assertEquals(
          bits, HalfFloats.floatToF16(value) & 0xffff, "bits " + Integer.toHexString(bits));
    }
  }

  @Test
  void f16KnownValues() {
    assertEquals(1.0f, HalfFloats.f16ToFloat((short) 0x3c00));
    assertEquals(-2.0f, HalfFloats.f16ToFloat((short) 0xc000));
    assertEquals(65504f, HalfFloats.f16ToFloat((short) 0x7bff));
    assertEquals(0x1p-24f, HalfFloats.f16ToFloat((short) 0x0001)); // smallest subnormal
    assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToFloat((short) 0x7c00));
    assertEquals(0x7c00, HalfFloats.floatToF16(1e6f) & 0xffff); // overflow -> inf
  }

  @Test
  void narrowingRoundsToNearestWithinHalfAnUlp() {
    Random random = new Random(3);
    for (int i = 0; i < 100_000; i++) {
      float v = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6) - 3));
      float f16 = HalfFloats.f16ToFloat(HalfFloats.floatToF16(v));
      float bf16 = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v));
      double abs = Math.abs(v);
      // Half an ulp: 2^-11 relative for F16 normals (2^-25 absolute below 2^-14), 2^-8 for BF16.
      assertEquals(v, f16, Math.max(abs * 0x1p-11, 0x1p-25) * 1.0000001, "f16 of " + v);
      assertEquals(v, bf16, abs * 0x1p-8 * 1.0000001, "bf16 of " + v);
    }
  }
}
