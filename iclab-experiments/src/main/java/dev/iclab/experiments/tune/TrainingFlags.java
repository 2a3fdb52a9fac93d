package dev.iclab.experiments.tune;

import dev.iclab.IclabException;
import dev.iclab.tune.TrainingConfig;
import dev.iclab.tune.optim.LrSchedule;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code iclab tune}'s training flags as given (null: not given), resolved per method by {@link
 * #resolve}: {@code kv} is Dai et al.'s restricted fine-tuning and takes none of the optimizer's
 * choices; every other method defaults to AdamW, one epoch, batch 1. {@code recompute}: none or
 * layers ({@link TrainingConfig.Recompute}).
 */
public record TrainingFlags(
    String optimizer,
    double lr,
    Integer epochs,
    Integer batchSize,
    int gradAccum,
    String schedule,
    int warmupSteps,
    double clipNorm,
    double labelSmoothing,
    double weightDecay,
    long seed,
    String recompute) {

  public TrainingConfig resolve(String method) {
    LrSchedule.Kind kind;
    try {
      kind = LrSchedule.Kind.valueOf(schedule.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IclabException(
          "--schedule must be one of %s, got %s"
              .formatted(Arrays.toString(LrSchedule.Kind.values()), schedule));
    }
    if (method.equals("kv")) {
      // Dai et al.: plain SGD, batch 1, one epoch, demonstrations in order
      if ((optimizer != null && !optimizer.equals("sgd"))
          || (batchSize != null && batchSize != 1)
          || (epochs != null && epochs != 1)
          || gradAccum != 1) {
        throw new IclabException(
            "--method kv is Dai et al.'s restricted fine-tuning: plain SGD, batch size 1, one epoch in file order; drop --optimizer/--batch-size/--epochs/--grad-accum or use --method full");
      }
      return new TrainingConfig(
              "sgd", lr, 1, 1, 1, LrSchedule.Kind.CONSTANT, 0, 0, labelSmoothing, 0, false, seed)
          .withRecompute(mode());
    }
    return new TrainingConfig(
            optimizer == null ? "adamw" : optimizer,
            lr,
            epochs == null ? 1 : epochs,
            batchSize == null ? 1 : batchSize,
            gradAccum,
            kind,
            warmupSteps,
            clipNorm,
            labelSmoothing,
            weightDecay,
            true,
            seed)
        .withRecompute(mode());
  }

  private TrainingConfig.Recompute mode() {
    return recompute == null
        ? TrainingConfig.Recompute.NONE
        : TrainingConfig.Recompute.parse(recompute);
  }
}
