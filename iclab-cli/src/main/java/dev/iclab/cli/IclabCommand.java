package dev.iclab.cli;

import dev.iclab.IclabException;
import dev.iclab.MachineFailures;
import dev.iclab.tensor.Tensors;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The top command: lists the subcommands. Exit codes: 0 ok, 1 failure, 2 usage error.
 *
 * <p>An {@link IclabException} prints one line (what, where, what to do); {@code --verbose} adds
 * its stack trace. So does a failure of the machine ({@link MachineFailures}: a full disk, a
 * read-only folder, memory exhausted). Any other exception is a bug and always shows its stack
 * trace.
 */
@Command(
    name = "iclab",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "A workbench for in-context learning and fine-tuning of causal language models.",
    subcommands = {CommandLine.HelpCommand.class})
public final class IclabCommand implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with every subcommand registered. */
  public static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new IclabCommand());
    Subcommands.register(commandLine);
    commandLine.setExecutionExceptionHandler(IclabCommand::handleExecutionException);
    commandLine.setParameterExceptionHandler(IclabCommand::handleParameterException);
    return commandLine;
  }

  /** Runs {@code iclab args}, writing to the given streams; returns the exit code. */
  public static int run(PrintStream out, PrintStream err, String... args) {
    Tensors.configureOffline();
    CommandLine commandLine = commandLine();
    commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    try {
      return commandLine.execute(args);
    } catch (OutOfMemoryError e) { // an estimate missed: still one line, not a JVM stack trace
      err.println("error: " + MachineFailures.message(e).orElseThrow());
      return EXIT_FAILURE;
    }
  }

  private static int handleExecutionException(
      Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    boolean verbose = parseResult.expandedArgs().contains("--verbose");
    Optional<String> machine = MachineFailures.message(e); // full disk, read-only folder
    if (e instanceof IclabException || machine.isPresent()) {
      err.println("error: " + (e instanceof IclabException ? e.getMessage() : machine.get()));
      if (verbose) {
        e.printStackTrace(err);
      } else {
        err.println("(run with --verbose for details)");
      }
    } else {
      err.println("internal error (a bug in iclab, please report it): " + e);
      e.printStackTrace(err);
    }
    err.flush();
    return EXIT_FAILURE;
  }

  private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
    CommandLine commandLine = e.getCommandLine();
    PrintWriter err = commandLine.getErr();
    err.println("error: " + e.getMessage());
    if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
      err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
    }
    err.flush();
    return EXIT_USAGE;
  }
}
