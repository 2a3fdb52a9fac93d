package dev.iclab.analysis.lab;

import dev.iclab.IclabException;
import java.util.List;

/**
 * A resolved analysis of an emergence run's checkpoints with Dai et al.'s comparison.
 *
 * @param run the emergence run folder, as given
 * @param checkpoints which kept steps: {@code all}, {@code last} or a list such as {@code 0,100}
 * @param episodes holdout episodes per checkpoint: the first N of the run's own ICL evaluation set
 * @param ftLr the fixed SGD learning rate of the restricted fine-tuning, or null with {@code
 *     lrSearch}
 * @param lrSearch rates to try at every checkpoint on separate episodes (empty: use {@code ftLr})
 * @param lrSearchDev how many separate episodes the search scores each rate on
 * @param seed draws the random baseline vectors
 */
public record EmergenceDaiConfig(
    String run,
    String checkpoints,
    int episodes,
    Double ftLr,
    List<Double> lrSearch,
    int lrSearchDev,
    long seed) {
  public EmergenceDaiConfig {
    lrSearch = List.copyOf(lrSearch);
    if ((ftLr == null) == lrSearch.isEmpty()) {
      throw new IclabException(
          "give exactly one of --ft-lr LR or --lr-search LR,LR,... for an emergence run (there is no published rate for the lab's models)");
    }
    for (double lr : lrSearch.isEmpty() ? List.of(ftLr) : lrSearch) {
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IclabException("a fine-tuning learning rate must be > 0, got " + lr);
      }
    }
    if (episodes < 2) {
      throw new IclabException(
          "--episodes must be >= 2 (the mismatched baseline pairs each episode with another), got "
              + episodes);
    }
    if (lrSearchDev < 1) {
      throw new IclabException("--lr-search-dev must be >= 1, got " + lrSearchDev);
    }
    if (checkpoints == null || checkpoints.isBlank()) {
      throw new IclabException("--checkpoints must be all, last or steps such as 0,100,200");
    }
  }
}
