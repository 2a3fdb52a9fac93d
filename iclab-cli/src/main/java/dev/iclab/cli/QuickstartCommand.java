package dev.iclab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import dev.iclab.emergence.Sweep;
import dev.iclab.emergence.report.ConsoleProgress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iclab quickstart}: the quick preset's comparison on Gaussian items, no download needed:
 * (a) transformer on bursty data, (b) the same on non-bursty data, (c) an LSTM on bursty data.
 * Writes one report with the three curves, summary.json, and prints a table.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description = "Show in-context learning emerge in minutes: 3 runs, one report.")
public final class QuickstartCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin VerbosityMixin verbosity;

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
  public void run() {
    threadsOption.run(this::runWithThreads);
  }

  private void runWithThreads() {
    if (!resume && Files.exists(out.resolve("summary.json"))) {
      throw new IclabException(
          "%s already holds a quickstart; remove it, pass --out another folder, or --resume to redo its report"
              .formatted(out));
    }
    long start = System.nanoTime();
    Settings quick = Settings.of(Preset.QUICK);
    if (steps != null) {
      quick = quick.with("steps", steps.toString());
    }
    List<RunSpec> specs =
        List.of(
            quick.with("p-bursty", "0.9").toSpec("transformer-bursty"),
            quick.with("p-bursty", "0").toSpec("transformer-nonbursty"),
            quick.with("p-bursty", "0.9").with("arch", "lstm").toSpec("lstm-bursty"));
    List<EmergenceRun.Result> results =
        Sweep.run(
            specs,
            s -> out.resolve(s.name()),
            resume,
            EmergenceCommand.versions(),
            () -> new ConsoleProgress(System.err),
            r -> {});
    List<Map<String, Object>> summary = new ArrayList<>();
    for (EmergenceRun.Result r : results) {
      RunSpec s = r.spec();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", s.name());
      row.put("arch", s.arch().flag());
      row.put("p_bursty", s.data().pBursty());
      row.put("steps", r.last().step());
      row.put("final_icl_acc", r.last().iclAcc());
      row.put("final_iwl_acc", r.last().iwlAcc());
      row.put("format", s.format().name().toLowerCase(Locale.ROOT));
      row.put("train_steps_per_s", r.stepsPerSecond());
      row.put("wall_s", r.wallSeconds());
      summary.add(row);
    }
    Path report = Sweep.report(out, "iclab quickstart (quick preset, paired tokens)", results);
    try {
      AtomicFiles.writeString(
          out.resolve("summary.json"),
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary)
              + "\n");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    PrintWriter o = spec.commandLine().getOut();
    o.printf(
        Locale.ROOT,
        "%-24s %-12s %8s %6s %8s %8s%n",
        "run",
        "arch",
        "p_bursty",
        "steps",
        "ICL",
        "IWL");
    for (Map<String, Object> row : summary) {
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
        results.get(0).last().iwlChance(),
        (System.nanoTime() - start) / 1e9,
        report);
  }
}
