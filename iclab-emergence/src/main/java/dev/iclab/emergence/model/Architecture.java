package dev.iclab.emergence.model;

import dev.iclab.IclabException;
import java.util.Locale;

/** The sequence models compared in the lab. */
public enum Architecture {
  TRANSFORMER,
  LSTM,
  RNN;

  /** Parses a flag value (transformer, lstm, rnn), case-insensitive. */
  public static Architecture parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IclabException(
          "unknown architecture '%s'; use transformer, lstm or rnn".formatted(name), e);
    }
  }

  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
