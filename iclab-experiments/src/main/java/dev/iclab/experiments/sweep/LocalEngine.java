package dev.iclab.experiments.sweep;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The built-in engine: the cells one after another in this process. A cell that fails is recorded
 * and the sweep goes on; it is not retried (rerun with {@code --resume}).
 */
public final class LocalEngine implements SweepEngine {
  @Override
  public String name() {
    return "local";
  }

  @Override
  public Map<Integer, String> run(SweepJob job, List<Integer> cells) {
    int done = 0;
    for (int index : cells) {
      CellResult result = job.cellRunner().run(index);
      done++;
      job.log()
          .printf(
              Locale.ROOT,
              "sweep: [%d/%d] cell %d %s %s (%.1f s)%s%n",
              done,
              cells.size(),
              index,
              result.id(),
              result.status(),
              result.seconds(),
              result.error() == null ? "" : ": " + result.error());
      job.log().flush();
    }
    return Map.of();
  }
}
