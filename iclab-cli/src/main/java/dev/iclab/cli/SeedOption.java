package dev.iclab.cli;

import picocli.CommandLine.Option;

/** {@code --seed} with default 1, for commands whose seed needs no more words than its default. */
public final class SeedOption {
  @Option(names = "--seed", defaultValue = "1", description = "Default ${DEFAULT-VALUE}.")
  long seed;

  public long seed() {
    return seed;
  }
}
