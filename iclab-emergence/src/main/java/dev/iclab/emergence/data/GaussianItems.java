package dev.iclab.emergence.data;

import java.util.SplittableRandom;

/**
 * Gaussian-cluster items (Reddy 2024): class prototypes mu ~ N(0, I/D), an exemplar is (mu + noise
 * * eta) / sqrt(1 + noise^2) with eta ~ N(0, I/D), so every item has expected norm 1 whatever the
 * noise. With a finite number of exemplars per class, eta is one of that many fixed draws.
 */
public final class GaussianItems implements ItemSource {
  private final int dim;
  private final int trainClasses;
  private final double noise;
  private final int exemplars;
  private final long seed;
  private final float[] prototypes; // [trainClasses + holdoutClasses, dim]

  public GaussianItems(
      int dim, int trainClasses, int holdoutClasses, double noise, int exemplars, long seed) {
    if (dim < 1) {
      throw new IllegalArgumentException("item dim must be >= 1, got " + dim);
    }
    this.dim = dim;
    this.trainClasses = trainClasses;
    this.noise = noise;
    this.exemplars = exemplars;
    this.seed = seed;
    this.prototypes = new float[(trainClasses + holdoutClasses) * dim];
    SplittableRandom rng = new SplittableRandom(seed);
    double std = 1 / Math.sqrt(dim);
    for (int i = 0; i < prototypes.length; i++) {
      prototypes[i] = (float) (rng.nextGaussian() * std);
    }
  }

  /** The item source a distribution asks for, in {@code dim} dimensions. */
  public static GaussianItems of(DataDistribution d, int dim, long seed) {
    return new GaussianItems(
        dim, d.classes(), d.holdoutClasses(), d.noise(), d.exemplarsPerClass(), seed);
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public void item(int cls, boolean holdout, long drawSeed, float[] out, int offset) {
    int row = holdout ? trainClasses + cls : cls;
    int base = row * dim;
    if (noise == 0) {
      System.arraycopy(prototypes, base, out, offset, dim);
      return;
    }
    long noiseSeed =
        exemplars == 0
            ? drawSeed
            : mix(seed ^ (row * 0x9E3779B97F4A7C15L), Math.floorMod(drawSeed, exemplars));
    SplittableRandom rng = new SplittableRandom(noiseSeed);
    double std = noise / Math.sqrt(dim);
    double norm = 1 / Math.sqrt(1 + noise * noise);
    for (int i = 0; i < dim; i++) {
      out[offset + i] = (float) ((prototypes[base + i] + rng.nextGaussian() * std) * norm);
    }
  }

  static long mix(long a, long b) {
    long z = a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
