package dev.iclab.emergence.data;

/**
 * Where item vectors come from: a class index and a per-draw seed give one exemplar of the class.
 * Implementations are immutable and thread-safe.
 */
public interface ItemSource {

  /** Dimension of an item vector. */
  int dim();

  /**
   * Writes one exemplar of a class into {@code out[offset .. offset + dim)}.
   *
   * @param holdout whether {@code cls} indexes the holdout classes
   * @param drawSeed seed of this draw (its noise, or its exemplar index)
   */
  void item(int cls, boolean holdout, long drawSeed, float[] out, int offset);
}
