package dev.iclab.lm.weights;

/**
 * IEEE half (F16) and bfloat16 conversions done in Java: BF16 arrays crash the engine and F16
 * compute is slow, so half precision is widened to FP32 on load and narrowed only when writing.
 */
public final class HalfFloats {
  private HalfFloats() {}

  /** bfloat16 bits to float: the upper 16 bits of an FP32. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** float to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
  public static short floatToBf16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** IEEE binary16 bits to float (subnormals, infinities and NaN included). */
  public static float f16ToFloat(short half) {
    int h = half & 0xffff;
    int sign = (h >>> 15) << 31;
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      if (mantissa == 0) {
        return Float.intBitsToFloat(sign);
      }
      float magnitude = mantissa * 0x1p-24f; // subnormal: mantissa * 2^-24
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /** float to IEEE binary16 bits, rounding to nearest even; overflow gives infinity. */
  public static short floatToF16(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    if (Float.isNaN(value)) {
      return (short) (sign | 0x7e00);
    }
    float abs = Math.abs(value);
    if (abs >= 65520f) { // rounds to infinity in binary16
      return (short) (sign | 0x7c00);
    }
    if (abs < 0x1p-14f) { // subnormal or zero: quantise to multiples of 2^-24
      int mantissa = Math.round(abs * 0x1p24f); // Math.round is half-up; fix ties to even
      float exact = abs * 0x1p24f;
      if (exact - Math.floor(exact) == 0.5 && (mantissa & 1) == 1) {
        mantissa--;
      }
      return (short) (sign | mantissa);
    }
    int exponent = ((bits >>> 23) & 0xff) - 112;
    int mantissa = bits & 0x7fffff;
    int rounded = (exponent << 10) | (mantissa >>> 13);
    int remainder = mantissa & 0x1fff;
    if (remainder > 0x1000 || (remainder == 0x1000 && (rounded & 1) == 1)) {
      rounded++;
    }
    return (short) (sign | rounded);
  }
}
