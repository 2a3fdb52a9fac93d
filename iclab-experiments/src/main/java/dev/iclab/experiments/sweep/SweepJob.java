package dev.iclab.experiments.sweep;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * A sweep as an engine sees it.
 *
 * @param gridFile the grid file, absolute
 * @param out the sweep folder, absolute
 * @param master where the engine runs its tasks ({@code --master}), or null for its default
 * @param cellRunner runs one cell in this process, as {@code --cell K} does
 * @param log progress lines (stderr)
 */
public record SweepJob(
    Path gridFile, Path out, Grid grid, String master, CellRunner cellRunner, PrintWriter log) {

  /** Runs cell {@code index} in this process and returns how it ended. */
  @FunctionalInterface
  public interface CellRunner {
    CellResult run(int index);
  }
}
