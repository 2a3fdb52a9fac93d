package dev.iclab.cli;

import dev.iclab.cli.bench.BenchCommand;
import dev.iclab.cli.bench.EmergenceBench;
import dev.iclab.cli.bench.IclBench;
import dev.iclab.cli.bench.PretrainBench;
import dev.iclab.cli.bench.RuntimeBench;
import dev.iclab.cli.bench.TuneBench;
import dev.iclab.cli.ipt.IptCommand;
import java.util.List;
import picocli.CommandLine;

/** The one place where subcommands are registered: explicit entries, no class-path scanning. */
final class Subcommands {
  private Subcommands() {}

  static void register(CommandLine top) {
    // Registered in the order `iclab --help` lists them, each under its @Command name; built as
    // a CommandLine of its own so that a command's model transformer (TableFlag) applies.
    List<Object> commands =
        List.of(
            new QuickstartCommand(),
            new InspectCommand(),
            new GenerateCommand(),
            new LogitsCommand(),
            new ScoreCommand(),
            new PerplexityCommand(),
            new EmergenceCommand(),
            new TuneCommand(),
            new PretrainCommand(),
            new MergeCommand(),
            new EvalCommand(),
            new DaiCommand(),
            new SweepCommand(),
            new DualFormCommand());
    commands.forEach(command -> top.addSubcommand(new CommandLine(command)));
    CommandLine ipt = new CommandLine(new IptCommand());
    IptCommand.register(ipt);
    top.addSubcommand(ipt);
    CommandLine bench = new CommandLine(new BenchCommand());
    List.of(
            new RuntimeBench(),
            new EmergenceBench(),
            new IclBench(),
            new TuneBench(),
            new PretrainBench())
        .forEach(command -> bench.addSubcommand(new CommandLine(command)));
    top.addSubcommand(bench);
  }
}
