package dev.iclab.cli;

import dev.iclab.emergence.EmergenceRun;
import picocli.CommandLine.Option;

/** {@code --threads}: PyTorch's intra-op threads while a command runs, restored afterwards. */
public final class ThreadsMixin {
  @Option(
      names = "--threads",
      description = "PyTorch threads (default 1: robust on a shared CPU; 2 is faster when idle).")
  int threads = 1;

  public int threads() {
    return threads;
  }

  /** Runs {@code body} with the chosen thread count, then puts the previous one back. */
  @SuppressWarnings("try") // the setting is restored on close; the body never reads it
  public void run(Runnable body) {
    try (var restore = EmergenceRun.useThreads(threads)) {
      body.run();
    }
  }
}
