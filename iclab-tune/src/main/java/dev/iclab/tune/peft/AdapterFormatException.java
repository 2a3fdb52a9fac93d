package dev.iclab.tune.peft;

import dev.iclab.IclabException;

/** An adapter directory that cannot be read, or that does not fit the model it is applied to. */
public class AdapterFormatException extends IclabException {
  private static final long serialVersionUID = 1L;

  public AdapterFormatException(String message) {
    super(message);
  }
}
