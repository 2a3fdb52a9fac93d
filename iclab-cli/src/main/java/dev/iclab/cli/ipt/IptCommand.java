package dev.iclab.cli.ipt;

import dev.iclab.experiments.ipt.IptStudy.Stage;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code iclab ipt}: intrinsic prompt tuning (Qin et al. 2021). {@code run} does every stage; each
 * stage is also a subcommand that adds to the study in --out (same options) and skips what is done.
 */
@Command(
    name = "ipt",
    mixinStandardHelpOptions = true,
    description =
        "Intrinsic prompt tuning: prompt-tune many few-shot tasks, find a low-dimensional subspace"
            + " of their prompts (MSF), tune new tasks inside it (IST).")
public final class IptCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Adds the subcommands, in the order of the stages. */
  public static void register(CommandLine ipt) {
    ipt.addSubcommand("run", new Run());
    stage(
        ipt,
        Stage.PROMPTS,
        "Stage 1: prompt tuning of every task; all prompts kept under --out/pt/.");
    stage(
        ipt, Stage.MSF, "Stage 2: the auto-encoder over the training tasks' prompts (--out/msf/).");
    stage(
        ipt,
        Stage.IST,
        "Stage 3: tune only the d_I vector of each task through the frozen decoder.");
    stage(ipt, Stage.EVAL, "Stage 4: summary.json, tasks_metrics.json and report.html.");
  }

  private static void stage(CommandLine ipt, Stage stage, String description) {
    CommandLine command = new CommandLine(new OneStage(stage));
    command.getCommandSpec().usageMessage().description(description);
    ipt.addSubcommand(stage.name().toLowerCase(java.util.Locale.ROOT), command);
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "The whole study: prompts, msf, ist, eval. --resume continues it.")
  static final class Run implements Runnable {
    @Mixin IptOptions options;

    @Option(names = "--resume", description = "Continue the study in --out (same options).")
    boolean resume;

    @Override
    public void run() {
      options.run(List.of(Stage.PROMPTS, Stage.MSF, Stage.IST, Stage.EVAL), resume);
    }
  }

  /** One stage, added to the study in --out. */
  @Command(mixinStandardHelpOptions = true)
  static final class OneStage implements Runnable {
    private final Stage stage;

    @Mixin IptOptions options;

    OneStage(Stage stage) {
      this.stage = stage;
    }

    @Override
    public void run() {
      options.run(List.of(stage), true);
    }
  }
}
