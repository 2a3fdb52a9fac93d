package dev.iclab.emergence.report;

import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.RunSpec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on a stream (stderr) with the latest loss and accuracies. */
public final class ConsoleProgress implements EmergenceRun.Listener {
  private final PrintStream stream;
  private ProgressBar bar;
  private double icl = Double.NaN;
  private double iwl = Double.NaN;

  public ConsoleProgress(PrintStream stream) {
    this.stream = stream;
  }

  @Override
  public void started(RunSpec spec, long firstStep) {
    bar =
        new ProgressBarBuilder()
            .setTaskName(spec.name())
            .setInitialMax(spec.train().steps())
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(ProgressConsumers.forStream(stream, false))
            .setUpdateIntervalMillis(500)
            .startsFrom(firstStep - 1, Duration.ZERO)
            .build();
  }

  @Override
  public void stepped(long step, double loss) {
    bar.stepTo(step);
    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f icl %.2f iwl %.2f", loss, icl, iwl));
  }

  @Override
  public void skipped(long step, double loss) {
    stream.printf(
        Locale.ROOT,
        "%nwarning: step %d: loss %s, update skipped (weights unchanged)%n",
        step,
        loss);
  }

  @Override
  public void evaluated(Metrics metrics) {
    icl = metrics.iclAcc();
    iwl = metrics.iwlAcc();
  }

  @Override
  public void finished() {
    bar.close();
  }
}
