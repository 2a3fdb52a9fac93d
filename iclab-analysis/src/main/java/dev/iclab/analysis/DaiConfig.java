package dev.iclab.analysis;

import dev.iclab.IclabException;
import java.util.List;

/**
 * A resolved run of Dai et al.'s comparison.
 *
 * @param model the model directory as resolved
 * @param task built-in task name, or null with {@code taskFile}
 * @param taskFile a user task file, or null
 * @param dataDir where built-in tasks' files are
 * @param shots demonstrations in the ICL prompt, and fine-tuning steps (one per demonstration)
 * @param select how the demonstrations are drawn from the training pool: random or balanced
 * @param ftLr the restricted fine-tuning's SGD learning rate (the chosen one after a search)
 * @param seed draws the demonstrations, the random baseline vectors and the untrained control
 * @param limit evaluate only the first N queries (after the cap), or null
 * @param evalCap the evaluation split is shuffled with seed 1 and cut to this many (2,000)
 * @param position where attention is recorded (option0 is Dai et al.'s)
 * @param answerScore how a label word's token log-probabilities are combined (mean is Dai et al.'s)
 * @param subset the subset the report leads with (all or f2t); metrics are computed for both
 * @param untrainedControl also run everything on a randomly initialised copy of the model
 * @param lrSearch learning rates to try on a dev split before the run (empty: use {@code ftLr})
 * @param lrSearchDev size of that dev split, drawn from the training pool minus the demonstrations
 */
public record DaiConfig(
    String model,
    String task,
    String taskFile,
    String dataDir,
    int shots,
    String select,
    double ftLr,
    long seed,
    Integer limit,
    int evalCap,
    RecordedPosition position,
    AnswerScore answerScore,
    String subset,
    boolean untrainedControl,
    List<Double> lrSearch,
    int lrSearchDev,
    boolean skipBadRows) {
  public DaiConfig {
    if ((task == null) == (taskFile == null)) {
      throw new IclabException("give exactly one of --task NAME or --task-file FILE");
    }
    if (shots < 1) {
      throw new IclabException(
          "--shots must be >= 1 (ICL and fine-tuning both need demonstrations), got " + shots);
    }
    if (!select.equals("random") && !select.equals("balanced")) {
      throw new IclabException("unknown --select '%s'; use random or balanced".formatted(select));
    }
    lrSearch = List.copyOf(lrSearch);
    for (double lr : lrSearch.isEmpty() ? List.of(ftLr) : lrSearch) {
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IclabException("a fine-tuning learning rate must be > 0, got " + lr);
      }
    }
    if (!subset.equals("all") && !subset.equals("f2t")) {
      throw new IclabException("unknown --subset '%s'; use all or f2t".formatted(subset));
    }
    if (limit != null && limit < 1) {
      throw new IclabException("--limit must be >= 1, got " + limit);
    }
    if (evalCap < 1 || lrSearchDev < 1) {
      throw new IclabException("--eval-cap and --lr-search-dev must be >= 1");
    }
  }
}
