package dev.iclab.cli;

import dev.iclab.emergence.report.ConsoleProgress;
import dev.iclab.experiments.emergence.QuickstartJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab quickstart}: the quick preset's three runs ({@link QuickstartJob}); prints a table
 * of their final accuracies.
 */
@Command(
    name = "quickstart",
    description = "Show in-context learning emerge in minutes: 3 runs, one report.")
public final class QuickstartCommand extends CliCommand {
  @Option(names = "--out", description = "Output folder (default runs/quickstart).")
  Path out = Path.of("runs/quickstart");

  @Option(names = "--steps", description = "Override the quick preset's training steps.")
  Integer steps;

  @Option(
      names = "--resume",
      description =
          "Finish an interrupted quickstart in --out: finished runs are kept, the others continue"
              + " from their last checkpoint (or start again).")
  boolean resume;

  @Mixin ThreadsMixin threadsOption;

  @Override
  protected void execute() {
    threadsOption.run(
        () -> {
          long start = System.nanoTime();
          QuickstartJob.Result result =
              QuickstartJob.run(out, steps, resume, () -> new ConsoleProgress(System.err));
          print(result, (System.nanoTime() - start) / 1e9);
        });
  }

  private void print(QuickstartJob.Result result, double seconds) {
    PrintWriter o = out();
    o.printf(
        Locale.ROOT,
        "%-24s %-12s %8s %6s %8s %8s%n",
        "run",
        "arch",
        "p_bursty",
        "steps",
        "ICL",
        "IWL");
    for (Map<String, Object> row : result.rows()) {
      o.printf(
          Locale.ROOT,
          "%-24s %-12s %8.2f %6d %8.3f %8.3f%n",
          row.get("name"),
          row.get("arch"),
          row.get("p_bursty"),
          row.get("steps"),
          row.get("final_icl_acc"),
          row.get("final_iwl_acc"));
    }
    o.printf(
        Locale.ROOT,
        "chance: ICL 0.500 (2-way, holdout classes), IWL %.3f; wall %.0f s%nreport: %s%n",
        result.iwlChance(),
        seconds,
        result.report());
  }
}
