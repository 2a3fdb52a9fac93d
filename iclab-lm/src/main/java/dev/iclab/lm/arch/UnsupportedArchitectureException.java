package dev.iclab.lm.arch;

import dev.iclab.IclabException;

/** A config.json whose model_type iclab has no implementation for. */
public class UnsupportedArchitectureException extends IclabException {
  private static final long serialVersionUID = 1L;

  public UnsupportedArchitectureException(String message) {
    super(message);
  }
}
