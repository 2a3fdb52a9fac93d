package dev.iclab.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every iclab command has: {@code --help}, {@code --version}, {@code --verbose} and its output
 * streams. A command declares its options and calls one job; exit code 0 when it returns.
 */
@Command(mixinStandardHelpOptions = true)
public abstract class CliCommand implements Callable<Integer> {
  @Mixin VerbosityMixin verbosity;

  @Spec protected CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    execute();
    return 0;
  }

  /** Runs the command; errors are thrown ({@link dev.iclab.IclabException}: one line, exit 1). */
  protected abstract void execute() throws Exception;

  /** Standard output, for results. */
  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** Standard error, for progress and notes. */
  protected PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** The command line as given, for reports. */
  protected String commandLine() {
    return "iclab " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
  }
}
