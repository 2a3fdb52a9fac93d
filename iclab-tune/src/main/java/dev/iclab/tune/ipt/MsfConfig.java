package dev.iclab.tune.ipt;

import dev.iclab.lm.config.ConfigException;

/**
 * How multi-task subspace finding trains the auto-encoder.
 *
 * @param steps AdamW steps; each takes one task (tasks in a seeded order, every task once per
 *     round) and a seeded batch of its training examples
 * @param lr AdamW's learning rate (constant)
 * @param alpha the weight of the reconstruction term (Qin et al.: 200)
 * @param labelSmoothing of the LM term (Qin et al.: 0.1)
 * @param batchSize training examples per step
 * @param clipNorm global gradient-norm clipping; 0 for none
 * @param checkpointEvery save a checkpoint every N steps; 0 for none
 * @param seed the task order, the batches and the initialisation
 */
public record MsfConfig(
    int steps,
    double lr,
    double alpha,
    double labelSmoothing,
    int batchSize,
    double clipNorm,
    int checkpointEvery,
    long seed) {
  public MsfConfig {
    if (steps < 1 || batchSize < 1 || checkpointEvery < 0) {
      throw new ConfigException(
          "--msf-steps and --batch-size must be >= 1 and the checkpoint interval >= 0; got %d, %d, %d"
              .formatted(steps, batchSize, checkpointEvery));
    }
    if (!(lr > 0) || Double.isInfinite(lr) || !(alpha >= 0) || Double.isInfinite(alpha)) {
      throw new ConfigException(
          "--msf-lr must be > 0 and --alpha >= 0; got %s and %s".formatted(lr, alpha));
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1) || !(clipNorm >= 0)) {
      throw new ConfigException(
          "label smoothing must be in [0, 1) and the clip norm >= 0; got %s and %s"
              .formatted(labelSmoothing, clipNorm));
    }
  }
}
