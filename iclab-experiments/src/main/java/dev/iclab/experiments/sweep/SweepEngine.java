package dev.iclab.experiments.sweep;

import java.util.List;
import java.util.Map;

/**
 * Runs a sweep's cells. {@code local} is built in ({@link LocalEngine}); others are found with
 * {@link java.util.ServiceLoader} (the {@code iclab-sweep-spark} module provides {@code spark}), so
 * the core jar carries no engine's dependencies.
 *
 * <p>An engine runs each cell as {@code iclab sweep GRID --out DIR --cell K} does ({@link
 * Sweep#runCell}), where it likes: that writes the cell's run folder and its {@code cells/ID.json}.
 */
public interface SweepEngine {
  /** The name {@code --engine} selects. */
  String name();

  /**
   * Runs {@code cells} (indices into the grid) and returns once each has finished or failed.
   *
   * @return for cells the engine gave up on without the cell recording its end (a lost executor,
   *     retries exhausted), the error in one line; the driver records them as failed
   */
  Map<Integer, String> run(SweepJob job, List<Integer> cells);
}
