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
 * @param recompute whether the backward pass recomputes each decoder layer from its saved input
 *     ({@link Recompute#LAYERS}) rather than keeping every layer's intermediates from the forward
 *     pass
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
    long seed,
    Recompute recompute) {
  /**
   * What the backward pass keeps from the forward pass.
   *
   * <p>{@link #NONE}: everything autograd saves (activations, and QLoRA's dequantised weights) for
   * all layers until the backward pass, as PyTorch does by default. {@link #LAYERS}: only each
   * decoder layer's input; the forward pass records nothing, and the backward pass runs one layer
   * at a time again with recording, from the top down (activation checkpointing per layer, {@link
   * LayerRecompute}). About one more forward pass of compute; what the step holds at once is then
   * one layer's intermediates plus the layers' inputs. Gradients are those of {@link #NONE}; only
   * dropout's random masks are drawn from per-layer seeds, so with dropout the masks (not their
   * distribution) differ from a {@link #NONE} run's.
   */
  public enum Recompute {
    NONE,
    LAYERS;

    /** The mode named on a command line ({@code none} or {@code layers}, any case). */
    public static Recompute parse(String name) {
      for (Recompute mode : values()) {
        if (mode.name().equalsIgnoreCase(name.strip())) {
          return mode;
        }
      }
      throw new ConfigException("--recompute must be none or layers, got '" + name + "'");
    }

    /** The name a command line and a result file use: none, layers. */
    public String flag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** As the canonical constructor, keeping every layer's intermediates ({@link Recompute#NONE}). */
  public TrainingConfig(
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
    this(
        optimizer,
        lr,
        epochs,
        batchSize,
        gradAccum,
        schedule,
        warmupSteps,
        clipNorm,
        labelSmoothing,
        weightDecay,
        shuffle,
        seed,
        Recompute.NONE);
  }

  public TrainingConfig {
    if (recompute == null) {
      throw new IllegalArgumentException("recompute must not be null; use Recompute.NONE");
    }
    if (!optimizer.equals("sgd") && !optimizer.equals("adamw")) {
      throw new ConfigException("--optimizer must be sgd or adamw, got '" + optimizer + "'");
    }
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new ConfigException("--lr must be a finite number > 0, got " + lr);
    }
    atLeast("--epochs", epochs, 1);
    atLeast("--batch-size", batchSize, 1);
    atLeast("--grad-accum", gradAccum, 1);
    atLeast("--warmup-steps", warmupSteps, 0);
    if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
      throw new ConfigException(
          "--clip-norm must be a finite number >= 0 (0: off), got " + clipNorm);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new ConfigException("--weight-decay must be a finite number >= 0, got " + weightDecay);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new ConfigException("--label-smoothing must be in [0, 1), got " + labelSmoothing);
    }
  }

  private static void atLeast(String flag, int value, int least) {
    if (value < least) {
      throw new ConfigException("%s must be >= %d, got %d".formatted(flag, least, value));
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
        seed,
        recompute);
  }

  /** This config with the backward pass's {@link Recompute} mode set. */
  public TrainingConfig withRecompute(Recompute mode) {
    return new TrainingConfig(
        optimizer,
        lr,
        epochs,
        batchSize,
        gradAccum,
        schedule,
        warmupSteps,
        clipNorm,
        labelSmoothing,
        weightDecay,
        shuffle,
        seed,
        mode);
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
