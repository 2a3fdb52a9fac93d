package dev.iclab.lm.config;

import dev.iclab.IclabException;

/**
 * A config.json (or other settings file) that is missing, malformed, or asks for something
 * unsupported.
 */
public class ConfigException extends IclabException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
