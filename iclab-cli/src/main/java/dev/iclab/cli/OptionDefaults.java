package dev.iclab.cli;

import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's own defaults for options it shares through a mixin (e.g. {@code --lr}); help texts
 * show them as ${DEFAULT-VALUE}.
 */
public abstract class OptionDefaults implements IDefaultValueProvider {
  private final Map<String, String> defaults;

  /** {@code defaults}: option name (with dashes) to value. */
  protected OptionDefaults(Map<String, String> defaults) {
    this.defaults = defaults;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    return arg instanceof OptionSpec option ? defaults.get(option.longestName()) : null;
  }
}
