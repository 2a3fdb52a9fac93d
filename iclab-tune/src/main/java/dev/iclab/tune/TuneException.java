package dev.iclab.tune;

import dev.iclab.IclabException;

/** A fine-tuning run that cannot go on: bad training data, settings that contradict a method. */
public class TuneException extends IclabException {
  private static final long serialVersionUID = 1L;

  public TuneException(String message) {
    super(message);
  }
}
