package dev.iclab.tune;

import dev.iclab.lm.config.ConfigException;
import dev.iclab.tune.optim.LrSchedule;

/**
 * How to train, whatever the method.
 *
 * @param optimizer sgd or adamw
 * @param lr peak learning rate
 * @param epochs passes over the data
 * @param batchSize sequences per micro-batch (right-padded; padding is left out of the loss)
 * @param gradAccum micro-batches per optimizer step (the loss is averaged over them)
 * @param schedule learning-rate shape after warm-up
 * @param warmupSteps optimizer steps of linear warm-up
 * @param clipNorm global gradient-norm clipping threshold; 0 for none
 * @param labelSmoothing epsilon of label smoothing, in [0, 1)
 * @param weightDecay AdamW's decoupled weight decay
 * @param shuffle whether each epoch visits the examples in a seeded random order (off: file order)
 * @param seed seeds the order, dropout and initialisation
 */
public record TrainingConfig(
    String optimizer,
    double lr,
    int epochs,
    int batchSize,
    int gradAccum,
    LrSchedule.Kind schedule,
    int warmupSteps,
    double clipNorm,
    double labelSmoothing,
    double weightDecay,
    boolean shuffle,
    long seed) {
  public TrainingConfig {
    if (!optimizer.equals("sgd") && !optimizer.equals("adamw")) {
      throw new ConfigException("optimizer must be sgd or adamw, got '" + optimizer + "'");
    }
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new ConfigException("learning rate must be > 0, got " + lr);
    }
    if (epochs < 1 || batchSize < 1 || gradAccum < 1) {
      throw new ConfigException(
          "epochs, batch size and grad-accum must be >= 1; got %d, %d, %d"
              .formatted(epochs, batchSize, gradAccum));
    }
    if (warmupSteps < 0 || clipNorm < 0 || weightDecay < 0) {
      throw new ConfigException(
          "warm-up steps, clip norm and weight decay must be >= 0; got %d, %s, %s"
              .formatted(warmupSteps, clipNorm, weightDecay));
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new ConfigException("label smoothing must be in [0, 1), got " + labelSmoothing);
    }
  }

  /** AdamW, constant rate, batch 1, no accumulation, no clipping, shuffled. */
  public static TrainingConfig adamw(double lr, int epochs, long seed) {
    return new TrainingConfig(
        "adamw", lr, epochs, 1, 1, LrSchedule.Kind.CONSTANT, 0, 0, 0, 0, true, seed);
  }

  /** Dai et al.'s restricted fine-tuning: plain SGD, batch 1, one epoch, in the given order. */
  public static TrainingConfig daiKv(double lr) {
    return new TrainingConfig("sgd", lr, 1, 1, 1, LrSchedule.Kind.CONSTANT, 0, 0, 0, 0, false, 0);
  }

  public TrainingConfig withRegularisation(double newClipNorm, double newLabelSmoothing) {
    return new TrainingConfig(
        optimizer,
        lr,
        epochs,
        batchSize,
        gradAccum,
        schedule,
        warmupSteps,
        newClipNorm,
        newLabelSmoothing,
        weightDecay,
        shuffle,
        seed);
  }

  /**
   * Optimizer steps for {@code examples} sequences. Divisions round up without adding to a huge
   * batch size (which would wrap around int); a product past int is refused.
   *
   * @throws ConfigException when epochs x steps per epoch does not fit an int
   */
  public int totalSteps(int examples) {
    if (examples < 1) {
      return 0;
    }
    long batches = (examples - 1L) / batchSize + 1;
    long perEpoch = (batches - 1) / gradAccum + 1;
    long total = epochs * perEpoch;
    if (total > Integer.MAX_VALUE) {
      throw new ConfigException(
          "--epochs %d gives %d optimizer steps, more than %d; use fewer epochs"
              .formatted(epochs, total, Integer.MAX_VALUE));
    }
    return (int) total;
  }
}
