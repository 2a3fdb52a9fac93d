package dev.iclab.tune.qlora;

import java.nio.FloatBuffer;

/**
 * 4-bit NormalFloat block quantisation (Dettmers et al. 2023). Each block of {@code blockSize}
 * values is scaled by its absolute maximum and every value is rounded to the nearest of the 16 NF4
 * levels. With double quantisation the per-block absmax values are themselves quantised to int8
 * (symmetric, around their mean, one FP32 scale per 256 blocks).
 *
 * <p>Error bound: a value w in a block with absmax a dequantises to a * level, the level nearest to
 * w / a, so |w - w'| <= a * {@link #MAX_HALF_GAP} (half the widest gap between NF4 levels, between
 * -1 and -0.696). With double quantisation the dequantised absmax a' differs from a by at most half
 * an int8 step of its group, which adds |a - a'| (levels are at most 1 in magnitude).
 */
public final class Nf4 {
  /** The NF4 levels of bitsandbytes, index = 4-bit code. */
  public static final float[] LEVELS = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044434f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f
  };

  /** Half the widest gap between neighbouring levels. */
  public static final double MAX_HALF_GAP;

  static {
    double gap = 0;
    for (int i = 1; i < LEVELS.length; i++) {
      gap = Math.max(gap, LEVELS[i] - LEVELS[i - 1]);
    }
    MAX_HALF_GAP = gap / 2;
  }

  /** Blocks of absmax values sharing one scale under double quantisation. */
  public static final int DOUBLE_QUANT_GROUP = 256;

  /**
   * A quantised tensor: one code per value (padded to whole blocks), absmax per block (already
   * through double quantisation when {@code absmaxCodes} is not null).
   */
  public record Quantized(
      byte[] codes,
      float[] absmax,
      byte[] absmaxCodes,
      float[] absmaxScales,
      float absmaxMean,
      int blockSize,
      int length) {}

  private Nf4() {}

  public static int code(float normalized) {
    int best = 0;
    float bestDistance = Float.MAX_VALUE;
    for (int i = 0; i < LEVELS.length; i++) {
      float d = Math.abs(normalized - LEVELS[i]);
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    return best;
  }

  public static Quantized quantize(float[] values, int blockSize, boolean doubleQuant) {
    return quantize(FloatBuffer.wrap(values), blockSize, doubleQuant);
  }

  /**
   * As {@link #quantize(float[], int, boolean)}, reading the values from index 0 to the buffer's
   * limit (e.g. a direct view of an engine array: no copy on the Java heap).
   */
  public static Quantized quantize(FloatBuffer values, int blockSize, boolean doubleQuant) {
    int length = values.limit();
    int blocks = (length + blockSize - 1) / blockSize;
    byte[] codes = new byte[blocks * blockSize];
    float[] absmax = new float[blocks];
    for (int b = 0; b < blocks; b++) {
      float max = 0;
      for (int i = b * blockSize; i < Math.min(length, (b + 1) * blockSize); i++) {
        max = Math.max(max, Math.abs(values.get(i)));
      }
      absmax[b] = max;
      for (int i = b * blockSize; i < (b + 1) * blockSize; i++) {
        float v = i < length && max > 0 ? values.get(i) / max : 0;
        codes[i] = (byte) code(v);
      }
    }
    if (!doubleQuant) {
      return new Quantized(codes, absmax, null, null, 0, blockSize, length);
    }
    double mean = 0;
    for (float a : absmax) {
      mean += a;
    }
    float center = (float) (mean / blocks);
    int groups = (blocks + DOUBLE_QUANT_GROUP - 1) / DOUBLE_QUANT_GROUP;
    float[] scales = new float[groups];
    byte[] absmaxCodes = new byte[blocks];
    float[] restored = new float[blocks];
    for (int g = 0; g < groups; g++) {
      float max = 0;
      int end = Math.min(blocks, (g + 1) * DOUBLE_QUANT_GROUP);
      for (int b = g * DOUBLE_QUANT_GROUP; b < end; b++) {
        max = Math.max(max, Math.abs(absmax[b] - center));
      }
      scales[g] = max > 0 ? max / 127 : 1;
      for (int b = g * DOUBLE_QUANT_GROUP; b < end; b++) {
        int q = Math.round((absmax[b] - center) / scales[g]);
        absmaxCodes[b] = (byte) Math.max(-127, Math.min(127, q));
        restored[b] = absmaxCodes[b] * scales[g] + center;
      }
    }
    return new Quantized(codes, restored, absmaxCodes, scales, center, blockSize, length);
  }

  /** Dequantises on the CPU (the reference for the on-device path). */
  public static float[] dequantize(Quantized q) {
    float[] out = new float[q.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = LEVELS[q.codes()[i]] * q.absmax()[i / q.blockSize()];
    }
    return out;
  }
}
