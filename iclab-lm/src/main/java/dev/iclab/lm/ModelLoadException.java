package dev.iclab.lm;

import dev.iclab.IclabException;

/** A checkpoint that cannot be loaded: missing, truncated, corrupt, or not matching its config. */
public class ModelLoadException extends IclabException {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message) {
    super(message);
  }
}
