package dev.iclab.cli;

import dev.iclab.cli.bench.BenchCommand;
import dev.iclab.cli.bench.EmergenceBench;
import picocli.CommandLine;

/** The one place where subcommands are registered: explicit entries, no class-path scanning. */
final class Subcommands {
  private Subcommands() {}

  static void register(CommandLine top) {
    // Registered in the order `iclab --help` lists them.
    CommandLine bench = new CommandLine(new BenchCommand());
    bench.addSubcommand("emergence", new EmergenceBench());
    top.addSubcommand("bench", bench);
    top.addSubcommand("emergence", new EmergenceCommand());
    top.addSubcommand("quickstart", new QuickstartCommand());
  }
}
