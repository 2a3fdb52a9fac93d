package dev.iclab.experiments.emergence;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iclab.AtomicFiles;
import dev.iclab.IclabException;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import dev.iclab.emergence.Sweep;
import dev.iclab.experiments.RunEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code iclab quickstart}: the quick preset's comparison on Gaussian items, no download needed:
 * (a) a transformer on bursty data, (b) the same on non-bursty data, (c) an LSTM on bursty data;
 * one report with the three curves and summary.json (one row per run), written last.
 */
public final class QuickstartJob {
  public static final String SUMMARY = "summary.json";

  private QuickstartJob() {}

  /**
   * The summary of a finished quickstart.
   *
   * @param rows summary.json's rows: name, arch, p_bursty, steps, final ICL and IWL accuracy, ...
   * @param iwlChance the in-weights chance level
   */
  public record Result(List<Map<String, Object>> rows, double iwlChance, Path report) {}

  /**
   * Runs (or, with {@code resume}, finishes) the three runs into {@code out}.
   *
   * @param steps the training steps, or null for the preset's
   */
  public static Result run(
      Path out, Integer steps, boolean resume, Supplier<EmergenceRun.Listener> progress) {
    if (!resume && Files.exists(out.resolve(SUMMARY))) {
      throw new IclabException(
          "%s already holds a quickstart; remove it, pass --out another folder, or --resume to redo its report"
              .formatted(out));
    }
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
            RunEnvironment.labVersions(),
            progress,
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
          out.resolve(SUMMARY),
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary)
              + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Result(summary, results.get(0).last().iwlChance(), report);
  }
}
