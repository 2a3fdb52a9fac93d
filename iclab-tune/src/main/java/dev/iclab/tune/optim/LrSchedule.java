package dev.iclab.tune.optim;

/**
 * Learning rate per optimizer step: linear warm-up from lr/warmup to lr over {@code warmup} steps,
 * then constant, linear decay to 0, or cosine decay to 0 at {@code total} steps (as HF's
 * get_linear_schedule_with_warmup / get_cosine_schedule_with_warmup).
 */
public record LrSchedule(Kind kind, double lr, int warmup, int total) {
  public enum Kind {
    CONSTANT,
    LINEAR,
    COSINE
  }

  public LrSchedule {
    if (!(lr > 0) || warmup < 0 || total < 1) {
      throw new IllegalArgumentException(
          "schedule needs lr > 0, warmup >= 0, total >= 1; got %s %d %d"
              .formatted(lr, warmup, total));
    }
  }

  /** The rate for 0-based optimizer step {@code step}. */
  public double at(int step) {
    if (step < warmup) {
      return lr * (step + 1) / warmup;
    }
    if (kind == Kind.CONSTANT || total <= warmup) {
      return lr;
    }
    double progress = Math.min(1.0, (double) (step - warmup) / (total - warmup));
    return switch (kind) {
      case LINEAR -> lr * (1 - progress);
      case COSINE -> lr * 0.5 * (1 + Math.cos(Math.PI * progress));
      case CONSTANT -> lr;
    };
  }
}
