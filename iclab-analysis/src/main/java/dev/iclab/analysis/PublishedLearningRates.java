package dev.iclab.analysis;

import java.util.Map;
import java.util.Optional;

/**
 * Per-task fine-tuning learning rates that Deutch et al. (2024) report for Dai et al.'s restricted
 * fine-tuning (SCIENCE.md §2); the default {@code --ft-lr} of the built-in tasks. They were
 * searched for GPT models of 1.3B-2.7B parameters; search again ({@code --lr-search}) for other
 * models.
 */
public final class PublishedLearningRates {
  private static final Map<String, Double> RATES =
      Map.of("sst2", 5e-4, "sst5", 1.6e-4, "mr", 3e-3, "subj", 3e-3, "agnews", 0.2, "cb", 0.08);

  private PublishedLearningRates() {}

  public static Optional<Double> forTask(String task) {
    return Optional.ofNullable(task == null ? null : RATES.get(task));
  }
}
