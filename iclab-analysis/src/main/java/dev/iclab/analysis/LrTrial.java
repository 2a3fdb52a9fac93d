package dev.iclab.analysis;

/**
 * One learning rate of Dai's fine-tuning-rate search: its dev accuracy and mean gold-answer dev
 * loss (the tie-breaker), or why it failed.
 */
public record LrTrial(double lr, double devAccuracy, double devLoss, String failure) {}
