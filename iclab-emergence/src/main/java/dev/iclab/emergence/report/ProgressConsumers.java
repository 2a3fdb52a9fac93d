package dev.iclab.emergence.report;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarConsumer;

/**
 * Where progress bars draw. On a terminal: in place, as usual. Otherwise (a log file, a pipe, a
 * test) no cursor-movement codes or carriage returns, and no terminal probing (which unpacks a
 * native library into /tmp): a plain line at most every {@link #PLAIN_INTERVAL_MILLIS} and the last
 * state when the bar closes.
 */
public final class ProgressConsumers {
  /** How often a non-terminal stream gets a progress line. */
  public static final long PLAIN_INTERVAL_MILLIS = 30_000;

  private static final int PLAIN_WIDTH = 100;

  private ProgressConsumers() {}

  /** Whether the process talks to a terminal (Java 17 cannot ask about stderr alone). */
  public static boolean onTerminal() {
    return System.console() != null;
  }

  /**
   * @param interactive whether the bar may move the cursor (several bars at once)
   */
  public static ProgressBarConsumer forStream(PrintStream stream, boolean interactive) {
    if (!onTerminal()) {
      return new PlainLines(stream, PLAIN_INTERVAL_MILLIS);
    }
    return interactive
        ? new InteractiveConsoleProgressBarConsumer(stream)
        : new ConsoleProgressBarConsumer(stream);
  }

  /** Whole lines, throttled; the last one is always written on close. */
  static final class PlainLines implements ProgressBarConsumer {
    private final PrintStream stream;
    private final long intervalMillis;
    private long lastPrinted = Long.MIN_VALUE;
    private String pending;

    PlainLines(PrintStream stream, long intervalMillis) {
      this.stream = stream;
      this.intervalMillis = intervalMillis;
    }

    @Override
    public int getMaxRenderedLength() {
      return PLAIN_WIDTH;
    }

    @Override
    public void accept(String rendered) {
      long now = System.currentTimeMillis();
      if (lastPrinted == Long.MIN_VALUE || now - lastPrinted >= intervalMillis) {
        stream.println(rendered.strip());
        stream.flush();
        lastPrinted = now;
        pending = null;
      } else {
        pending = rendered;
      }
    }

    @Override
    public void close() {
      if (pending != null) {
        stream.println(pending.strip());
        stream.flush();
        pending = null;
      }
    }
  }
}
