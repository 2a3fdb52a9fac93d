package dev.iclab.cli.bench;

import dev.iclab.cli.CliCommand;
import dev.iclab.cli.ThreadsMixin;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab bench emergence}: training speed of the quick preset's transformer (median steps/s
 * over windows of 100 steps) and resident memory (VmRSS) at step 1,000 and at the last step, which
 * must not grow.
 */
@Command(
    name = "emergence",
    description = "Steps/s and resident memory of the quick transformer; JSON on stdout.")
public final class EmergenceBench extends CliCommand {
  private static final int WINDOW = 100;

  @Option(names = "--steps", description = "Training steps (default 10000).")
  int steps = 10_000;

  @Mixin JsonCopyOption output;

  @Mixin ThreadsMixin threadsOption;

  @Override
  protected void execute() {
    threadsOption.run(this::runWithThreads);
  }

  private void runWithThreads() {
    RunSpec runSpec =
        Settings.of(Preset.QUICK)
            .with("steps", Integer.toString(steps))
            .with("eval-every", Integer.toString(steps))
            .with("checkpoint-every", "0")
            .toSpec("bench");
    Map<Long, Long> rss = new LinkedHashMap<>();
    List<Double> windows = new ArrayList<>();
    EmergenceRun.Result result;
    // the run's checkpoint and plots are not part of the bench
    try (ScratchFolder folder = new ScratchFolder("iclab-bench-emergence", err())) {
      result =
          EmergenceRun.run(
              runSpec,
              folder.path(),
              false,
              Map.of(),
              new EmergenceRun.Listener() {
                long windowStart = System.nanoTime();

                @Override
                public void stepped(long step, double loss) {
                  if (step % WINDOW == 0) {
                    long now = System.nanoTime();
                    windows.add(WINDOW / ((now - windowStart) / 1e9));
                    windowStart = now;
                  }
                  if (step == 1 || step == 1_000 || step == 10_000 || step == steps) {
                    rss.put(step, ProcStatus.residentBytes());
                  }
                }
              });
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("suite", "emergence");
    json.put("model", "quick preset transformer (paired tokens, 2 layers, width 64, batch 128)");
    json.put("steps", steps);
    json.put("steps_per_s_median", windows.isEmpty() ? null : Median.of(windows));
    json.put("steps_per_s_overall", result.stepsPerSecond());
    json.put("resident_mb_at_step", toMegabytes(rss));
    json.put("cpus", Runtime.getRuntime().availableProcessors());
    json.put("threads", threadsOption.threads());
    json.put("note", "shared machine: other processes may use the CPU during the run");
    output.emit(out(), json);
  }

  private static Map<String, Double> toMegabytes(Map<Long, Long> rss) {
    Map<String, Double> mb = new LinkedHashMap<>();
    rss.forEach((step, bytes) -> mb.put(Long.toString(step), bytes / 1048576.0));
    return mb;
  }
}
