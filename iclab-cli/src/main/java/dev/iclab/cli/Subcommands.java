package dev.iclab.cli;

import dev.iclab.cli.bench.BenchCommand;
import dev.iclab.cli.bench.EmergenceBench;
import dev.iclab.cli.bench.IclBench;
import dev.iclab.cli.bench.RuntimeBench;
import dev.iclab.cli.bench.TuneBench;
import picocli.CommandLine;

/** The one place where subcommands are registered: explicit entries, no class-path scanning. */
final class Subcommands {
  private Subcommands() {}

  static void register(CommandLine top) {
    // Registered in the order `iclab --help` lists them.
    top.addSubcommand("quickstart", new QuickstartCommand());
    top.addSubcommand("inspect", new InspectCommand());
    top.addSubcommand("generate", new GenerateCommand());
    top.addSubcommand("logits", new LogitsCommand());
    top.addSubcommand("score", new ScoreCommand());
    top.addSubcommand("perplexity", new PerplexityCommand());
    top.addSubcommand("emergence", new EmergenceCommand());
    top.addSubcommand("tune", new TuneCommand());
    top.addSubcommand("pretrain", new PretrainCommand());
    top.addSubcommand("merge", new MergeCommand());
    top.addSubcommand("eval", new EvalCommand());
    top.addSubcommand("dai", new DaiCommand());
    top.addSubcommand("dual-form", new DualFormCommand());
    CommandLine ipt = new CommandLine(new dev.iclab.cli.ipt.IptCommand());
    dev.iclab.cli.ipt.IptCommand.register(ipt);
    top.addSubcommand("ipt", ipt);
    CommandLine bench = new CommandLine(new BenchCommand());
    bench.addSubcommand("runtime", new RuntimeBench());
    bench.addSubcommand("emergence", new EmergenceBench());
    bench.addSubcommand("icl", new IclBench());
    bench.addSubcommand("tune", new TuneBench());
    bench.addSubcommand("pretrain", new dev.iclab.cli.bench.PretrainBench());
    top.addSubcommand("bench", bench);
  }
}
