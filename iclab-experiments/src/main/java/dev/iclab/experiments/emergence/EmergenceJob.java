package dev.iclab.experiments.emergence;

import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import dev.iclab.emergence.Sweep;
import dev.iclab.experiments.RunEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Emergence lab runs ({@code iclab emergence}): a preset with settings overridden, or the cartesian
 * product of {@code --sweep} axes over it, each run in its own folder (one run: {@code out}
 * itself), with one report that puts a sweep's runs side by side.
 */
public final class EmergenceJob {
  private EmergenceJob() {}

  /**
   * A resolved request.
   *
   * @param settings the preset with every given setting applied
   * @param sweeps axes {@code key=v1,v2,...}; none for one run
   */
  public record Spec(Settings settings, List<String> sweeps, Path out, boolean resume) {}

  /** The runs' results, in order, and the report that shows them. */
  public record Result(List<EmergenceRun.Result> runs, Path report) {}

  /**
   * The preset's settings with {@code overrides} (setting key to value; null values are not given)
   * applied.
   */
  public static Settings settings(String preset, Map<String, ?> overrides) {
    Settings s = Settings.of(Preset.parse(preset));
    for (Map.Entry<String, ?> f : overrides.entrySet()) {
      if (f.getValue() != null) {
        s = s.with(f.getKey(), String.valueOf(f.getValue()));
      }
    }
    return s;
  }

  /**
   * Runs (or resumes) every run.
   *
   * @param progress a fresh listener for each run
   * @param finished called with each run's result as soon as it ends
   */
  public static Result run(
      Spec spec, Supplier<EmergenceRun.Listener> progress, Consumer<EmergenceRun.Result> finished) {
    List<Map.Entry<String, Settings>> runs = Settings.sweep(spec.settings(), spec.sweeps());
    List<RunSpec> specs = new ArrayList<>();
    for (Map.Entry<String, Settings> run : runs) {
      specs.add(run.getValue().toSpec(run.getKey()));
    }
    Path out = spec.out();
    List<EmergenceRun.Result> results =
        Sweep.run(
            specs,
            s -> specs.size() == 1 ? out : out.resolve(s.name()),
            spec.resume(),
            RunEnvironment.labVersions(),
            progress,
            finished);
    Path report =
        specs.size() == 1
            ? out.resolve("report.html")
            : Sweep.report(
                out, "iclab emergence sweep: " + String.join(" ", spec.sweeps()), results);
    return new Result(results, report);
  }
}
