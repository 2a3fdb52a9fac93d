package dev.iclab.emergence.train;

import dev.iclab.IclabException;

/**
 * Optimisation settings.
 *
 * @param steps training steps
 * @param batchSize sequences per step
 * @param learningRate Adam's peak learning rate, reached after warm-up
 * @param warmupSteps linear warm-up from 0 to the peak
 * @param schedule what follows the warm-up: the peak held, or Chan et al.'s 1/sqrt(step) decay
 * @param clipNorm global gradient-norm clip (0 = off)
 * @param evalEvery evaluate every this many steps (and at the last step)
 * @param checkpointEvery save a resumable checkpoint every this many steps (0 = only at the end)
 * @param evalSize sequences in each fixed evaluation set
 * @param lossOnAllLabels also train on every context label position (interleaved format only)
 * @param keepCheckpoints keep the weights of every evaluation step, step 0 (the untrained model)
 *     included, in the run folder's {@code weights/} ({@link KeptWeights}), for analyses across
 *     training such as {@code iclab dai --emergence-run}
 */
public record TrainConfig(
    int steps,
    int batchSize,
    double learningRate,
    int warmupSteps,
    LrSchedule schedule,
    double clipNorm,
    int evalEvery,
    int checkpointEvery,
    int evalSize,
    boolean lossOnAllLabels,
    boolean keepCheckpoints) {
  public TrainConfig {
    if (steps < 1) {
      throw new IclabException("--steps must be >= 1, got " + steps);
    }
    if (batchSize < 1) {
      throw new IclabException("--batch must be >= 1, got " + batchSize);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IclabException("--lr must be a positive number, got " + learningRate);
    }
    if (warmupSteps < 0 || !(clipNorm >= 0) || Double.isInfinite(clipNorm) || checkpointEvery < 0) {
      throw new IclabException(
          "--warmup, --clip and --checkpoint-every must be finite and >= 0, got %d, %s, %d"
              .formatted(warmupSteps, clipNorm, checkpointEvery));
    }
    if (evalEvery < 1) {
      throw new IclabException("--eval-every must be >= 1, got " + evalEvery);
    }
    if (evalSize < 2) {
      throw new IclabException("evaluation sets need >= 2 sequences, got " + evalSize);
    }
  }

  /** Learning rate at a 1-based step: linear warm-up, then the {@link #schedule}. */
  public double learningRateAt(long step) {
    return schedule.at(step, learningRate, warmupSteps);
  }
}
