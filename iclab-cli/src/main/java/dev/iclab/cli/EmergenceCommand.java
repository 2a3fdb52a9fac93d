package dev.iclab.cli;

import dev.iclab.IclabException;
import dev.iclab.emergence.EmergenceRun;
import dev.iclab.emergence.Settings;
import dev.iclab.emergence.report.ConsoleProgress;
import dev.iclab.experiments.emergence.EmergenceJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab emergence}: trains sequence models on Chan et al.'s bursty/Zipfian distributions and
 * tracks in-context vs in-weights accuracy ({@link EmergenceJob}). A preset gives every setting;
 * flags override it; {@code --sweep} runs the cartesian product of its axes, each run in its own
 * folder, with one HTML report comparing them.
 */
@Command(
    name = "emergence",
    description = "Train a small transformer/LSTM/RNN and watch in-context learning emerge.",
    modelTransformer = TableFlag.Transformer.class)
public final class EmergenceCommand extends CliCommand implements TableFlag.Table {
  @Option(names = "--preset", description = "quick, paper-cpu or paper (default quick).")
  String preset = "quick";

  @Option(
      names = "--sweep",
      description = "An axis key=v1,v2,... (repeatable; runs the cartesian product).")
  List<String> sweeps = new ArrayList<>();

  @Option(names = "--out", description = "Output folder (default runs/emergence).")
  Path out = Path.of("runs/emergence");

  @Option(names = "--resume", description = "Continue the runs in --out from their checkpoints.")
  boolean resume;

  @Mixin ThreadsMixin threadsOption;

  /** Every lab setting ({@link Settings#KEYS}) as the flag of the same name. */
  private static final List<TableFlag> SETTINGS =
      List.of(
          TableFlag.of("data", String.class, "Item source: gaussian or omniglot."),
          TableFlag.of("format", String.class, "Token format: interleaved (paper) or paired."),
          TableFlag.of("p-bursty", Double.class, "Probability of a bursty sequence."),
          TableFlag.of("classes", Integer.class, "Number of training classes."),
          TableFlag.of("holdout-classes", Integer.class, "Classes kept for the ICL evaluation."),
          TableFlag.of("zipf", Double.class, "Zipf exponent of class frequencies (0 = uniform)."),
          TableFlag.of("noise", Double.class, "Within-class Gaussian noise scale."),
          TableFlag.of(
              "exemplars", Integer.class, "Distinct exemplars per class (0 = fresh noise)."),
          new TableFlag(
              "labels",
              String.class,
              null,
              "N|per-class",
              "per-class: every class its own label (Chan et al.; paper presets); N: N labels"
                  + " shared by all classes (label multiplicity; quick: 32)."),
          TableFlag.of("labels-per-class", Integer.class, "Labels each class maps to."),
          TableFlag.of("item-dim", Integer.class, "Dimension of Gaussian items."),
          TableFlag.of("omniglot-dir", String.class, "Omniglot folder (for --data omniglot)."),
          TableFlag.of("image-side", Integer.class, "Omniglot images downsampled to N x N."),
          new TableFlag(
              "augment",
              Boolean.class,
              "1",
              null,
              "Multiply Omniglot classes by 8 (rotations/flips)."),
          TableFlag.of("arch", String.class, "transformer, lstm or rnn."),
          TableFlag.of("layers", Integer.class, "Transformer blocks or recurrent layers."),
          TableFlag.of("heads", Integer.class, "Attention heads."),
          TableFlag.of("width", Integer.class, "Model width."),
          TableFlag.of("steps", Integer.class, "Training steps."),
          TableFlag.of("batch", Integer.class, "Sequences per step."),
          TableFlag.of("lr", Double.class, "Peak learning rate (Adam)."),
          TableFlag.of(
              "lr-schedule",
              String.class,
              "After warm-up: constant, or rsqrt (decay as 1/sqrt(step), Chan et al.'s; paper"
                  + " presets)."),
          TableFlag.of("warmup", Integer.class, "Warm-up steps."),
          TableFlag.of("clip", Double.class, "Gradient-norm clip (0 = off)."),
          TableFlag.of("eval-every", Integer.class, "Evaluate every N steps."),
          TableFlag.of("checkpoint-every", Integer.class, "Checkpoint every N steps."),
          TableFlag.of("eval-size", Integer.class, "Sequences per evaluation set."),
          new TableFlag(
              "loss-all-labels",
              Boolean.class,
              "0..1",
              null,
              "Also train on every context label (true/false; paper-cpu: true)."),
          new TableFlag(
              "keep-checkpoints",
              Boolean.class,
              "0..1",
              null,
              "Keep the weights of step 0 and of every evaluation step in --out/weights/ (for"
                  + " iclab dai --emergence-run)."),
          TableFlag.of(
              "attention",
              String.class,
              "standard, or momentum: Dai et al.'s MoAttn, adding sum_{i<t} eta^(t-i) v_i to each"
                  + " head's output (transformer only)."),
          TableFlag.of(
              "momentum-eta",
              Double.class,
              "Momentum decay eta in [0, 1) for --attention momentum (default 0.9)."),
          TableFlag.of("seed", Long.class, "Master seed."));

  @Override
  public List<TableFlag> tableFlags() {
    return SETTINGS;
  }

  @Override
  protected void execute() {
    threadsOption.run(
        () -> {
          EmergenceJob.Result result =
              EmergenceJob.run(
                  new EmergenceJob.Spec(resolve(), sweeps, out, resume),
                  () -> new ConsoleProgress(System.err),
                  this::printFinal);
          out().println("report: " + result.report());
        });
  }

  /** The preset with every setting given on the command line applied. */
  Settings resolve() {
    return EmergenceJob.settings(preset, TableFlag.given(spec, SETTINGS));
  }

  private void printFinal(EmergenceRun.Result r) {
    if (r.metrics().isEmpty()) {
      throw new IclabException("run " + r.spec().name() + " produced no evaluation");
    }
    out()
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
