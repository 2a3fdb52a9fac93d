package dev.iclab.cli;

import picocli.CommandLine.Option;

/**
 * The optimizer flags that {@code tune} and {@code pretrain} share. Their defaults differ by
 * command, so each command gives them with an {@link OptionDefaults} provider.
 */
public final class TrainingOptions {
  @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--warmup-steps",
      description = "Linear warm-up steps (default: ${DEFAULT-VALUE}).")
  int warmupSteps;

  @Option(
      names = "--weight-decay",
      defaultValue = "0",
      description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(
      names = "--clip-norm",
      defaultValue = "1.0",
      description = "Gradient norm clipping; 0 for none (default: ${DEFAULT-VALUE}).")
  double clipNorm;

  @Option(
      names = "--batch-size",
      description = "Sequences per (micro-)batch (default: ${DEFAULT-VALUE}).")
  Integer batchSize;

  @Option(
      names = "--save-every",
      paramLabel = "N",
      description =
          "Write a checkpoint (trained arrays, optimizer state, step) to --out/checkpoints every N"
              + " steps; --resume continues from the newest.")
  Integer saveEvery;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description =
          "Seed of the initial weights, the data order and dropout (default: ${DEFAULT-VALUE}).")
  long seed;
}
