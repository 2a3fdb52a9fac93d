package dev.iclab.lm;

import dev.iclab.IclabException;

/** A sequence longer than the model's context window. */
public class ContextOverflowException extends IclabException {
  private static final long serialVersionUID = 1L;

  public ContextOverflowException(String message) {
    super(message);
  }
}
