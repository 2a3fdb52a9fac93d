package dev.iclab.emergence.train;

import dev.iclab.IclabException;
import java.util.Locale;

/** How the learning rate moves after the linear warm-up. */
public enum LrSchedule {
  /** Linear warm-up to the peak, then held. */
  CONSTANT,
  /**
   * Linear warm-up to the peak, then decay as 1/sqrt(step): Chan et al.'s schedule. Their {@code
   * experiment.py} ({@code _linear_warmup_and_sqrt_decay}) computes
   *
   * <pre>lr(step) = min(max_lr / warmup * step, max_lr * sqrt(warmup) * step^-0.5)</pre>
   *
   * the two branches meeting at {@code step = warmup} (max_lr 3e-4, warmup 4,000 in their configs).
   * Without warm-up ({@code warmup = 0}) the rate is {@code peak / sqrt(step)}.
   */
  RSQRT;

  /**
   * The learning rate at a 1-based step.
   *
   * @param peak the peak (max) learning rate
   * @param warmupSteps linear warm-up steps from 0 to the peak (0 = none)
   */
  public double at(long step, double peak, int warmupSteps) {
    if (step < 1) {
      throw new IllegalArgumentException("steps are 1-based, got " + step);
    }
    double warmup = warmupSteps == 0 ? 1.0 : Math.min(1.0, (double) step / warmupSteps);
    return switch (this) {
      case CONSTANT -> peak * warmup;
      case RSQRT ->
          Math.min(
              warmupSteps == 0 ? peak : peak / warmupSteps * step,
              peak * Math.sqrt(Math.max(warmupSteps, 1)) / Math.sqrt(step));
    };
  }

  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static LrSchedule parse(String spec) {
    for (LrSchedule s : values()) {
      if (s.flag().equals(spec.trim().toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IclabException(
        "--lr-schedule '%s' is unknown; use constant or rsqrt (Chan et al.'s)".formatted(spec));
  }
}
