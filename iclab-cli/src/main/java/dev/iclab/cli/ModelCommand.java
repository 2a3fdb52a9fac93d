package dev.iclab.cli;

import picocli.CommandLine.Mixin;

/** A command on one model: {@code --model}, {@code --device}, {@code --download}. */
public abstract class ModelCommand extends CliCommand {
  @Mixin protected ModelOptions modelOptions;
}
