package dev.iclab.cli;

import me.tongfei.progressbar.ProgressBar;

/**
 * A job's progress as one bar on stderr ({@link ProgressBars}), opened when the job says it starts
 * and closed with the command, however the job ends.
 */
abstract class BarListener implements AutoCloseable {
  /** The bar, null until {@link #open}. */
  protected ProgressBar bar;

  /** Opens the bar; see {@link ProgressBars#onStderr}. */
  protected void open(String task, long max, String unit) {
    bar = ProgressBars.onStderr(task, max, unit);
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
