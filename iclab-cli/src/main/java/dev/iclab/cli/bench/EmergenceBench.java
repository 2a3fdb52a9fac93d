package dev.iclab.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iclab.AtomicFiles;
import dev.iclab.cli.CliCommand;
import dev.iclab.cli.Json;
import dev.iclab.cli.ThreadsMixin;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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

  @Option(names = "--out", description = "Also write the JSON to this file.")
  Path out;

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
    Path folder;
    try {
      folder = Files.createTempDirectory("iclab-bench-emergence");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    EmergenceRun.Result result;
    try {
      result =
          EmergenceRun.run(
              runSpec,
              folder,
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
                    rss.put(step, residentBytes());
                  }
                }
              });
    } finally {
      try {
        Json.deleteTree(folder); // the run's checkpoint and plots are not part of the bench
      } catch (IOException e) {
        spec.commandLine().getErr().println("warning: cannot delete " + folder + ": " + e);
      }
    }
    Collections.sort(windows);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("suite", "emergence");
    json.put("model", "quick preset transformer (paired tokens, 2 layers, width 64, batch 128)");
    json.put("steps", steps);
    json.put("steps_per_s_median", windows.isEmpty() ? null : windows.get(windows.size() / 2));
    json.put("steps_per_s_overall", result.stepsPerSecond());
    json.put("resident_mb_at_step", toMegabytes(rss));
    json.put("cpus", Runtime.getRuntime().availableProcessors());
    json.put("threads", threadsOption.threads());
    json.put("note", "shared machine: other processes may use the CPU during the run");
    try {
      String text =
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
      spec.commandLine().getOut().println(text);
      if (out != null) {
        AtomicFiles.writeString(out, text + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Double> toMegabytes(Map<Long, Long> rss) {
    Map<String, Double> mb = new LinkedHashMap<>();
    rss.forEach((step, bytes) -> mb.put(Long.toString(step), bytes / 1048576.0));
    return mb;
  }

  /** VmRSS of this process from /proc (Linux); -1 elsewhere. */
  static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
