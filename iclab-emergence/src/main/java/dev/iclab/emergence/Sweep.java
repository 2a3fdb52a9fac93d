package dev.iclab.emergence;

import dev.iclab.emergence.report.SweepReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs several runs one after another, each in its own folder, and writes the report that puts them
 * side by side: what {@code iclab emergence --sweep} and {@code iclab quickstart} share.
 */
public final class Sweep {
  private Sweep() {}

  /**
   * Runs every spec in order.
   *
   * @param folderOf the folder of each run
   * @param progress a fresh listener for each run
   * @param onFinished called with each result as soon as its run ends
   * @return the results, in spec order
   */
  public static List<EmergenceRun.Result> run(
      List<RunSpec> specs,
      Function<RunSpec, Path> folderOf,
      boolean resume,
      Map<String, String> versions,
      Supplier<EmergenceRun.Listener> progress,
      Consumer<EmergenceRun.Result> onFinished) {
    List<EmergenceRun.Result> results = new ArrayList<>();
    for (RunSpec spec : specs) {
      EmergenceRun.Result r =
          EmergenceRun.run(spec, folderOf.apply(spec), resume, versions, progress.get());
      onFinished.accept(r);
      results.add(r);
    }
    return results;
  }

  /** Writes the curves and report.html of finished runs into {@code folder}; returns the report. */
  public static Path report(Path folder, String title, List<EmergenceRun.Result> results) {
    List<SweepReport.Entry> entries = new ArrayList<>();
    for (EmergenceRun.Result r : results) {
      entries.add(new SweepReport.Entry(r.spec(), r.folder(), r.metrics(), r.wallSeconds()));
    }
    return SweepReport.write(folder, title, entries);
  }
}
