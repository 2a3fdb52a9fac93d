package dev.iclab.cli;

import dev.iclab.lm.LanguageModel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --model}, {@code --device}, {@code --download}: which model to open, and where. */
public final class ModelOptions extends DeviceOptions {
  @Option(
      names = {"-m", "--model"},
      required = true,
      paramLabel = "DIR|ID",
      description =
          "A Hugging Face model directory (config.json, model.safetensors or a sharded index,"
              + " tokenizer.json), or a hub id such as gpt2 or org/name[@revision] found in the"
              + " local Hugging Face cache.")
  String model;

  /** --model as given. */
  public String name() {
    return model;
  }

  /** Resolves --model to a directory (downloading it first with --download). */
  public Path directory() {
    return resolve(model);
  }

  /** Opens the model and its tokenizer; the caller closes it. */
  public LanguageModel open() {
    return LanguageModel.open(directory(), device());
  }
}
