package dev.iclab.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code iclab bench <suite>}: benchmarks that compare two ways of the same work in one run and
 * write JSON. Suites are registered as subcommands.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Run a benchmark suite and write its results as JSON.")
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
