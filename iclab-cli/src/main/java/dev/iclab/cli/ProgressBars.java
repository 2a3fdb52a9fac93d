package dev.iclab.cli;

import dev.iclab.emergence.report.ProgressConsumers;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The commands' progress bars: ASCII on stderr, so stdout stays for results (JSON, tables); plain
 * lines without cursor codes when not on a terminal.
 */
final class ProgressBars {
  private ProgressBars() {}

  /**
   * @param max the total, or -1 when unknown (set it later with {@code maxHint})
   * @param unit shown after the counts, e.g. {@code " q"}; null for plain counts
   */
  static ProgressBar onStderr(String task, long max, String unit) {
    ProgressBarBuilder builder =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(max)
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(ProgressConsumers.forStream(System.err, true));
    if (unit != null) {
      builder.setUnit(unit, 1);
    }
    return builder.build();
  }
}
