package dev.iclab.icl;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.iclab.IclabException;
import java.util.Locale;

/** {@code --calibrate}: none, or Zhao et al.'s contextual calibration ({@link Calibrator}). */
public enum Calibration {
  NONE,
  CONTEXTUAL;

  /** The flag value, as written in run.json and the samples. */
  @JsonValue
  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @throws IclabException naming the known values
   */
  @JsonCreator
  public static Calibration parse(String flag) {
    for (Calibration c : values()) {
      if (c.flag().equals(flag)) {
        return c;
      }
    }
    throw new IclabException("unknown --calibrate '%s'; use none or contextual".formatted(flag));
  }

  @Override
  public String toString() {
    return flag();
  }
}
