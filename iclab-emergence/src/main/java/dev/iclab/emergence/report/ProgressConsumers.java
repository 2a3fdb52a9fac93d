package dev.iclab.emergence.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarConsumer;

/**
 * Where progress bars draw (stderr). On a terminal: in place, as usual, at a fixed width ({@code
 * $COLUMNS}, else 80) so that the terminal is never probed (progressbar's probe goes through JLine,
 * which unpacks a native library into /tmp that a killed run leaves behind). Otherwise (a log file,
 * a pipe, a test) no cursor-movement codes or carriage returns: a plain line at most every {@link
 * #PLAIN_INTERVAL_MILLIS} and the last state when the bar closes.
 */
public final class ProgressConsumers {
  /** How often a non-terminal stream gets a progress line. */
  public static final long PLAIN_INTERVAL_MILLIS = 30_000;

  private static final int PLAIN_WIDTH = 100;
  private static final int DEFAULT_COLUMNS = 80;

  private ProgressConsumers() {}

  /**
   * Whether stderr, where the bars draw, is a terminal. Java 17 can only ask whether stdin and
   * stdout are ({@code System.console()}), so on Linux the answer comes from what file descriptor 2
   * points to: {@code iclab ... 2>log} on a terminal gets plain lines in its log.
   */
  public static boolean onTerminal() {
    Path stderr = Path.of("/proc/self/fd/2");
    try {
      return isTerminalDevice(Files.readSymbolicLink(stderr).toString());
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null; // no /proc (macOS, Windows): the best Java 17 can tell
    }
  }

  /** Whether a file descriptor's target names a terminal (pseudo-terminal or console). */
  static boolean isTerminalDevice(String target) {
    return target.startsWith("/dev/pts/")
        || target.startsWith("/dev/tty")
        || target.equals("/dev/console");
  }

  /** {@code $COLUMNS} when the shell exports it, else 80. */
  static int columns(String columnsVariable) {
    try {
      int columns = columnsVariable == null ? 0 : Integer.parseInt(columnsVariable.strip());
      return columns > 0 ? columns : DEFAULT_COLUMNS;
    } catch (NumberFormatException e) {
      return DEFAULT_COLUMNS;
    }
  }

  /**
   * @param interactive whether the bar may move the cursor (several bars at once)
   */
  public static ProgressBarConsumer forStream(PrintStream stream, boolean interactive) {
    if (!onTerminal()) {
      return new PlainLines(stream, PLAIN_INTERVAL_MILLIS);
    }
    int width = columns(System.getenv("COLUMNS"));
    return interactive
        ? new InteractiveConsoleProgressBarConsumer(stream, width)
        : new ConsoleProgressBarConsumer(stream, width);
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
