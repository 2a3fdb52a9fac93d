package dev.iclab.tune.full;

/** Full fine-tuning: every weight trains. It has no settings of its own. */
public record FullConfig() {}
