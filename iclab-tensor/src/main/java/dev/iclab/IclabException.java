package dev.iclab;

/**
 * A failure the user can act on: bad input, a missing or corrupt file, an unsupported setting.
 *
 * <p>The message says what failed, where (file, key, line, layer) and what to do. The command line
 * prints only the message (exit code 1); any other exception is a bug and is shown with its stack
 * trace.
 */
public class IclabException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IclabException(String message) {
    super(message);
  }

  public IclabException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Records the failure underneath (shown by {@code --verbose}) and returns this exception, so the
   * subclasses need only the message constructor: {@code throw new XException(msg).causedBy(e)}.
   */
  public IclabException causedBy(Throwable cause) {
    initCause(cause);
    return this;
  }
}
