package dev.iclab.cli;

import dev.iclab.IclabException;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Preset;
import dev.iclab.emergence.RunSpec;
import dev.iclab.emergence.Settings;
import dev.iclab.emergence.Sweep;
import dev.iclab.emergence.report.ConsoleProgress;
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
 * {@code iclab emergence}: trains sequence models on Chan et al.'s bursty/Zipfian distributions and
 * tracks in-context vs in-weights accuracy. A preset gives every setting; flags override it; {@code
 * --sweep} runs the cartesian product of its axes, each run in its own folder, with one HTML report
 * comparing them.
 */
@Command(
    name = "emergence",
    mixinStandardHelpOptions = true,
    description = "Train a small transformer/LSTM/RNN and watch in-context learning emerge.")
public final class EmergenceCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin VerbosityMixin verbosity;

  @Option(names = "--preset", description = "quick, paper-cpu or paper (default quick).")
  String preset = "quick";

  @Option(names = "--data", description = "Item source: gaussian or omniglot.")
  String data;

  @Option(names = "--format", description = "Token format: interleaved (paper) or paired.")
  String format;

  @Option(names = "--p-bursty", description = "Probability of a bursty sequence.")
  Double pBursty;

  @Option(names = "--classes", description = "Number of training classes.")
  Integer classes;

  @Option(names = "--holdout-classes", description = "Classes kept for the ICL evaluation.")
  Integer holdoutClasses;

  @Option(names = "--zipf", description = "Zipf exponent of class frequencies (0 = uniform).")
  Double zipf;

  @Option(names = "--noise", description = "Within-class Gaussian noise scale.")
  Double noise;

  @Option(names = "--exemplars", description = "Distinct exemplars per class (0 = fresh noise).")
  Integer exemplars;

  @Option(
      names = "--labels",
      paramLabel = "N|per-class",
      description =
          "per-class: every class its own label (Chan et al.; paper presets); N: N labels shared"
              + " by all classes (label multiplicity; quick: 32).")
  String labels;

  @Option(names = "--labels-per-class", description = "Labels each class maps to.")
  Integer labelsPerClass;

  @Option(names = "--item-dim", description = "Dimension of Gaussian items.")
  Integer itemDim;

  @Option(names = "--omniglot-dir", description = "Omniglot folder (for --data omniglot).")
  String omniglotDir;

  @Option(names = "--image-side", description = "Omniglot images downsampled to N x N.")
  Integer imageSide;

  @Option(
      names = "--augment",
      arity = "1",
      description = "Multiply Omniglot classes by 8 (rotations/flips).")
  Boolean augment;

  @Option(names = "--arch", description = "transformer, lstm or rnn.")
  String arch;

  @Option(names = "--layers", description = "Transformer blocks or recurrent layers.")
  Integer layers;

  @Option(names = "--heads", description = "Attention heads.")
  Integer heads;

  @Option(names = "--width", description = "Model width.")
  Integer width;

  @Option(names = "--steps", description = "Training steps.")
  Integer steps;

  @Option(names = "--batch", description = "Sequences per step.")
  Integer batch;

  @Option(names = "--lr", description = "Peak learning rate (Adam).")
  Double lr;

  @Option(
      names = "--lr-schedule",
      description =
          "After warm-up: constant, or rsqrt (decay as 1/sqrt(step), Chan et al.'s; paper"
              + " presets).")
  String lrSchedule;

  @Option(names = "--warmup", description = "Warm-up steps.")
  Integer warmup;

  @Option(names = "--clip", description = "Gradient-norm clip (0 = off).")
  Double clip;

  @Option(names = "--eval-every", description = "Evaluate every N steps.")
  Integer evalEvery;

  @Option(names = "--checkpoint-every", description = "Checkpoint every N steps.")
  Integer checkpointEvery;

  @Option(names = "--eval-size", description = "Sequences per evaluation set.")
  Integer evalSize;

  @Option(
      names = "--loss-all-labels",
      arity = "0..1",
      description = "Also train on every context label (true/false; paper-cpu: true).")
  Boolean lossAllLabels;

  @Option(
      names = "--keep-checkpoints",
      arity = "0..1",
      description =
          "Keep the weights of step 0 and of every evaluation step in --out/weights/ (for iclab"
              + " dai --emergence-run).")
  Boolean keepCheckpoints;

  @Option(
      names = "--attention",
      description =
          "standard, or momentum: Dai et al.'s MoAttn, adding sum_{i<t} eta^(t-i) v_i to each"
              + " head's output (transformer only).")
  String attention;

  @Option(
      names = "--momentum-eta",
      description = "Momentum decay eta in [0, 1) for --attention momentum (default 0.9).")
  Double momentumEta;

  @Option(names = "--seed", description = "Master seed.")
  Long seed;

  @Option(
      names = "--sweep",
      description = "An axis key=v1,v2,... (repeatable; runs the cartesian product).")
  List<String> sweeps = new ArrayList<>();

  @Option(names = "--out", description = "Output folder (default runs/emergence).")
  Path out = Path.of("runs/emergence");

  @Option(names = "--resume", description = "Continue the runs in --out from their checkpoints.")
  boolean resume;

  @Mixin ThreadsMixin threadsOption;

  @Override
  public void run() {
    threadsOption.run(this::runWithThreads);
  }

  private void runWithThreads() {
    Settings base = resolve();
    List<Map.Entry<String, Settings>> runs = Settings.sweep(base, sweeps);
    List<RunSpec> specs = new ArrayList<>();
    for (Map.Entry<String, Settings> run : runs) {
      specs.add(run.getValue().toSpec(run.getKey()));
    }
    List<EmergenceRun.Result> results =
        Sweep.run(
            specs,
            s -> specs.size() == 1 ? out : out.resolve(s.name()),
            resume,
            versions(),
            () -> new ConsoleProgress(System.err),
            this::printFinal);
    Path report =
        specs.size() == 1
            ? out.resolve("report.html")
            : Sweep.report(out, "iclab emergence sweep: " + String.join(" ", sweeps), results);
    spec.commandLine().getOut().println("report: " + report);
  }

  /** The preset with every flag given on the command line applied. */
  Settings resolve() {
    Settings s = Settings.of(Preset.parse(preset));
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("data", data);
    flags.put("format", format);
    flags.put("p-bursty", pBursty);
    flags.put("classes", classes);
    flags.put("holdout-classes", holdoutClasses);
    flags.put("zipf", zipf);
    flags.put("noise", noise);
    flags.put("exemplars", exemplars);
    flags.put("labels", labels);
    flags.put("lr-schedule", lrSchedule);
    flags.put("labels-per-class", labelsPerClass);
    flags.put("item-dim", itemDim);
    flags.put("omniglot-dir", omniglotDir);
    flags.put("image-side", imageSide);
    flags.put("augment", augment);
    flags.put("arch", arch);
    flags.put("layers", layers);
    flags.put("heads", heads);
    flags.put("width", width);
    flags.put("steps", steps);
    flags.put("batch", batch);
    flags.put("lr", lr);
    flags.put("warmup", warmup);
    flags.put("clip", clip);
    flags.put("eval-every", evalEvery);
    flags.put("checkpoint-every", checkpointEvery);
    flags.put("eval-size", evalSize);
    flags.put("loss-all-labels", lossAllLabels);
    flags.put("keep-checkpoints", keepCheckpoints);
    flags.put("attention", attention);
    flags.put("momentum-eta", momentumEta);
    flags.put("seed", seed);
    for (Map.Entry<String, Object> f : flags.entrySet()) {
      if (f.getValue() != null) {
        s = s.with(f.getKey(), String.valueOf(f.getValue()));
      }
    }
    return s;
  }

  static Map<String, String> versions() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("iclab", Versions.iclab());
    v.put("djl", Versions.djl());
    v.put("java", Runtime.version().toString());
    v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    return v;
  }

  private void printFinal(EmergenceRun.Result r) {
    if (r.metrics().isEmpty()) {
      throw new IclabException("run " + r.spec().name() + " produced no evaluation");
    }
    spec.commandLine()
        .getOut()
        .println(
            String.format(
                Locale.ROOT,
                "%s: step %d  loss %.3f  ICL %.3f  IWL %.3f  0-shot IWL %.3f  (%.1f steps/s, %s)",
                r.spec().name(),
                r.last().step(),
                r.last().loss(),
                r.last().iclAcc(),
                r.last().iwlAcc(),
                r.last().iwlZeroShotAcc(),
                r.stepsPerSecond(),
                r.folder()));
  }
}
