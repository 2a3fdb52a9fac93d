package dev.iclab.tune;

import java.util.SplittableRandom;

/** Deterministic initial values, from Java's generator so that a seed means the same everywhere. */
public final class Init {
  private Init() {}

  /** Normal(0, std) values. */
  public static float[] gaussian(long seed, int n, double std) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (nextGaussian(random) * std);
    }
    return values;
  }

  /**
   * Kaiming-uniform with a = sqrt(5), PyTorch's nn.Linear default and PEFT's default for LoRA's A:
   * uniform in [-1/sqrt(fanIn), 1/sqrt(fanIn)].
   */
  public static float[] kaimingUniform(long seed, int n, long fanIn) {
    SplittableRandom random = new SplittableRandom(seed);
    double bound = 1 / Math.sqrt(fanIn);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return values;
  }

  private static double nextGaussian(SplittableRandom random) {
    double u1 = random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log1p(-u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A seed for one named array, derived from the run's seed. */
  public static long seedFor(long seed, String name) {
    return seed * 0x9E3779B97F4A7C15L + name.hashCode();
  }
}
