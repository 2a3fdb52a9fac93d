package dev.iclab.cli.bench;

import dev.iclab.IclabException;
import dev.iclab.cli.CliCommand;
import dev.iclab.cli.ThreadsMixin;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import dev.iclab.emergence.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab bench emergence}: training speed of the emergence lab's transformer (median steps/s
 * over windows of 100 steps) in the quick preset's shape and in the paper-cpu shape of {@code
 * ../shared/bench/emergence_reference.py}, and resident memory (VmRSS) at step 1,000 and at the
 * last step, which must not grow.
 */
@Command(
    name = "emergence",
    description = "Steps/s and resident memory of the lab's transformer; JSON on stdout.")
public final class EmergenceBench extends CliCommand {
  private static final int WINDOW = 100;

  /** A model and data shape the bench trains. */
  enum Shape {
    QUICK(
        "quick preset transformer (paired tokens, 2 layers, width 64, batch 128, 32 labels)",
        Settings.of(Preset.QUICK)),
    // The PyTorch reference's shape: the paper-cpu preset with 32 shared labels and the loss on the
    // query label only (the preset's 65,536 own labels put most of a step into the output layer).
    PAPER_CPU(
        "paper-cpu shape of emergence_reference.py (interleaved tokens, 17 positions, 2 layers,"
            + " width 64, batch 128, 65,536 classes, 32 labels, loss on the query label)",
        Settings.of(Preset.PAPER_CPU).with("labels", "32").with("loss-all-labels", "false")),
    // The preset as it trains: one label per class, so the 65,536-way head dominates the step. Its
    // loss goes a block of rows at a time; the -whole shape is the same work through autograd.
    PAPER_CPU_PRESET(
        "paper-cpu preset as it trains (65,536 classes with their own labels, loss on every label"
            + " position), the head's loss a block of rows at a time",
        Settings.of(Preset.PAPER_CPU)),
    PAPER_CPU_PRESET_WHOLE(
        "the same, the loss through autograd over the whole [rows, 65,536] logits",
        Settings.of(Preset.PAPER_CPU));

    final String description;
    final Settings settings;

    Shape(String description, Settings settings) {
      this.description = description;
      this.settings = settings;
    }

    String key() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Shape parse(String key) {
      for (Shape shape : values()) {
        if (shape.key().equals(key.trim())) {
          return shape;
        }
      }
      throw new IclabException(
          "unknown bench shape '%s'; use quick, paper-cpu, paper-cpu-preset or paper-cpu-preset-whole"
              .formatted(key));
    }
  }

  @Option(names = "--steps", description = "Training steps per shape (default 10000).")
  int steps = 10_000;

  @Option(
      names = "--shapes",
      split = ",",
      paramLabel = "SHAPE",
      description =
          "quick, paper-cpu, paper-cpu-preset, paper-cpu-preset-whole (default: quick,paper-cpu;"
              + " the preset shapes take about 1 s a step).")
  List<String> shapes = List.of("quick", "paper-cpu");

  @Mixin JsonCopyOption output;

  @Mixin ThreadsMixin threadsOption;

  @Override
  protected void execute() {
    List<Shape> parsed = shapes.stream().map(Shape::parse).toList();
    threadsOption.run(() -> runWithThreads(parsed));
  }

  private void runWithThreads(List<Shape> parsed) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("suite", "emergence");
    json.put("steps", steps);
    json.put("cpus", Runtime.getRuntime().availableProcessors());
    json.put("threads", threadsOption.threads());
    Map<String, Object> results = new LinkedHashMap<>();
    String blocks = System.getProperty(Trainer.BLOCK_PROPERTY);
    for (Shape shape : parsed) {
      if (shape == Shape.PAPER_CPU_PRESET_WHOLE) {
        System.setProperty(Trainer.BLOCK_PROPERTY, "whole");
      }
      try {
        results.put(shape.key(), measure(shape));
      } finally {
        if (blocks == null) {
          System.clearProperty(Trainer.BLOCK_PROPERTY);
        } else {
          System.setProperty(Trainer.BLOCK_PROPERTY, blocks);
        }
      }
    }
    json.put("shapes", results);
    json.put("note", "shared machine: other processes may use the CPU during the run");
    output.emit(out(), json);
  }

  private Map<String, Object> measure(Shape shape) {
    RunSpec runSpec =
        shape
            .settings
            .with("steps", Integer.toString(steps))
            .with("eval-every", Integer.toString(steps))
            .with("checkpoint-every", "0")
            .toSpec("bench-" + shape.key());
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
    json.put("model", shape.description);
    json.put("steps_per_s_median", windows.isEmpty() ? null : Median.of(windows));
    json.put("steps_per_s_overall", result.stepsPerSecond());
    json.put("resident_mb_at_step", toMegabytes(rss));
    return json;
  }

  private static Map<String, Double> toMegabytes(Map<Long, Long> rss) {
    Map<String, Double> mb = new LinkedHashMap<>();
    rss.forEach((step, bytes) -> mb.put(Long.toString(step), bytes / 1048576.0));
    return mb;
  }
}
