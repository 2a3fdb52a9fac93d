package dev.iclab.emergence.report;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One line of metrics.jsonl: an evaluation step.
 *
 * @param loss mean training loss since the previous evaluation
 * @param iclAcc 2-way ICL accuracy on holdout classes (chance 0.5), over iclN sequences
 * @param iclAccAllLabels the same sequences scored by the argmax over every label
 * @param iwlAcc in-weights accuracy, context without the query class, over iwlN sequences
 * @param iwlZeroShotAcc in-weights accuracy with a blank context, over iwlN sequences
 * @param iwlChance chance level of both IWL accuracies
 * @param elapsedSeconds training wall time so far (excluding evaluation)
 */
public record Metrics(
    @JsonProperty("step") long step,
    @JsonProperty("loss") double loss,
    @JsonProperty("icl_acc") double iclAcc,
    @JsonProperty("icl_acc_all_labels") double iclAccAllLabels,
    @JsonProperty("icl_n") int iclN,
    @JsonProperty("iwl_acc") double iwlAcc,
    @JsonProperty("iwl_zero_shot_acc") double iwlZeroShotAcc,
    @JsonProperty("iwl_n") int iwlN,
    @JsonProperty("iwl_chance") double iwlChance,
    @JsonProperty("elapsed_s") double elapsedSeconds) {}
