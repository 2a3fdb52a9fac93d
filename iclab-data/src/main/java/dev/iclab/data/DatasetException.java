package dev.iclab.data;

import dev.iclab.IclabException;

/** A dataset or task file that cannot be used: the message names the file, line and field. */
public class DatasetException extends IclabException {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }
}
