package dev.iclab.lm.arch;

/**
 * Sees each linear projection of a model while it is being loaded, right after the projection's
 * weights are read and before the next tensor is: a caller that keeps the weights in another form
 * (QLoRA's 4-bit codes) can convert and {@link Dense#releaseWeight release} each one at once, so
 * the model never holds all its full-precision projections together.
 */
@FunctionalInterface
public interface ProjectionListener {
  /** Does nothing: the model keeps every weight as loaded. */
  ProjectionListener NONE = projection -> {};

  void loaded(Dense projection);
}
