package dev.iclab.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --out}, {@code --resume}: the run folder of a command that writes one. */
public final class RunOptions {
  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "The run folder: new or empty, or a stopped run's with --resume.")
  Path out;

  @Option(
      names = "--resume",
      description = "Continue the run in --out where it stopped (same settings).")
  boolean resume;

  public Path out() {
    return out;
  }

  public boolean resume() {
    return resume;
  }
}
