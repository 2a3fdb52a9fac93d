package dev.iclab.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}: show stack traces of user-facing errors. Read by the exception handler. */
public final class VerbosityMixin {
  @Option(
      names = "--verbose",
      description = "Show the stack trace of an error, not only its message.")
  boolean verbose;
}
