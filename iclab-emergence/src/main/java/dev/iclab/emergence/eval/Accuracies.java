package dev.iclab.emergence.eval;

/**
 * One evaluation's results, as fractions.
 *
 * @param icl 2-way accuracy on holdout classes (chance 0.5)
 * @param iclAllLabels the same sequences scored by the argmax over every label
 * @param iclCount ICL sequences scored
 * @param iwl in-weights accuracy with a context without the query's class
 * @param iwlZeroShot in-weights accuracy with a blank context
 * @param iwlCount IWL sequences scored (each for both IWL numbers)
 * @param iwlChance chance level of the IWL accuracies
 */
public record Accuracies(
    double icl,
    double iclAllLabels,
    int iclCount,
    double iwl,
    double iwlZeroShot,
    int iwlCount,
    double iwlChance) {
  /** Chance level of the 2-way ICL accuracy. */
  public static final double ICL_CHANCE = 0.5;
}
