package dev.iclab.tune.kv;

/**
 * Dai et al.'s restricted fine-tuning (SCIENCE.md §2): only the attention key and value projections
 * (weights and biases) of every layer train, with plain SGD, batch size 1, one epoch over the
 * demonstrations in their prompt order, loss over the whole demonstration text (see {@link
 * dev.iclab.tune.TrainingConfig#daiKv}). It has no settings of its own.
 */
public record KvConfig() {}
