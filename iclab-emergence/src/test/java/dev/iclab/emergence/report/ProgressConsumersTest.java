package dev.iclab.emergence.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.junit.jupiter.api.Test;

/** Off a terminal (as under test), progress is whole lines: no cursor codes, no CR. */
class ProgressConsumersTest {
  @Test
  void notATerminalGetsPlainThrottledLines() {
    assertFalse(ProgressConsumers.onTerminal(), "tests run without a console");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try (ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName("task")
            .setInitialMax(1000)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(1)
            .setConsumer(ProgressConsumers.forStream(stream, true))
            .build()) {
      for (int i = 0; i < 1000; i++) {
        bar.step();
      }
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertFalse(text.contains("\u001b"), "no escape codes: " + text);
    assertFalse(text.contains("\r"), "no carriage returns: " + text);
    long lines = text.lines().count();
    assertTrue(lines >= 1 && lines <= 3, "throttled to a first and a last line: " + text);
    assertTrue(text.contains("1000/1000"), "the last state is written: " + text);
  }

  @Test
  void plainLinesWritesThePendingStateOnClose() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var lines =
        new ProgressConsumers.PlainLines(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), 60_000);
    lines.accept("a 1/3 ");
    lines.accept("a 2/3 ");
    lines.accept("a 3/3 ");
    lines.close();
    assertEquals("a 1/3\na 3/3\n", bytes.toString(StandardCharsets.UTF_8).replace("\r\n", "\n"));
  }

  @Test
  void onlyTerminalDevicesCountAsATerminal() {
    assertTrue(ProgressConsumers.isTerminalDevice("/dev/pts/3"));
    assertTrue(ProgressConsumers.isTerminalDevice("/dev/tty1"));
    assertFalse(ProgressConsumers.isTerminalDevice("pipe:[41234]"), "2>&1 | tee");
    assertFalse(ProgressConsumers.isTerminalDevice("/home/me/run.log"), "2>run.log");
    assertFalse(ProgressConsumers.isTerminalDevice("/dev/null"));
  }

  @Test
  void widthComesFromColumnsOrIsEighty() {
    assertEquals(132, ProgressConsumers.columns("132"));
    assertEquals(80, ProgressConsumers.columns(null));
    assertEquals(80, ProgressConsumers.columns("wide"));
    assertEquals(80, ProgressConsumers.columns("-5"));
  }
}
