package dev.iclab.analysis;

/** The names of the model variants a Dai run compares. */
public final class DaiVariants {
  /** The model as loaded. */
  public static final String PRETRAINED = "pretrained";

  /** A randomly initialised copy of the same shape (Deutch et al.'s control). */
  public static final String UNTRAINED = "untrained";

  private DaiVariants() {}
}
