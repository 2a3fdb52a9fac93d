package dev.iclab;

/**
 * One-line checks of numeric flags, for commands whose values go straight into loops and array
 * sizes (benchmarks, small tools): a zero or negative count is refused before any work, naming the
 * flag.
 */
public final class FlagChecks {
  private FlagChecks() {}

  /**
   * @throws IclabException "FLAG must be >= LEAST, got VALUE"
   */
  public static void atLeast(String flag, long value, long least) {
    if (value < least) {
      throw new IclabException("%s must be >= %d, got %d".formatted(flag, least, value));
    }
  }
}
