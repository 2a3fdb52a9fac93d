package dev.iclab.cli;

import ai.djl.Device;
import dev.iclab.lm.LanguageModel;
import dev.iclab.tensor.Tensors;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --model}, {@code --device}, {@code --download}: which model to open, and where. */
public final class ModelOptions {
  @Option(
      names = {"-m", "--model"},
      required = true,
      paramLabel = "DIR|ID",
      description =
          "A Hugging Face model directory (config.json, model.safetensors or a sharded index,"
              + " tokenizer.json), or a hub id such as gpt2 or org/name[@revision] found in the"
              + " local Hugging Face cache.")
  String model;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      paramLabel = "cpu|gpu[:N]",
      description = "Where to run (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--download",
      description =
          "Fetch a hub id missing from the local cache from $HF_ENDPOINT (default"
              + " https://huggingface.co) into the cache first.")
  boolean download;

  /** --model as given. */
  public String name() {
    return model;
  }

  /** Resolves --model to a directory (downloading it first with --download). */
  public Path directory() {
    return ModelResolution.resolve(model, download);
  }

  public Device device() {
    return Tensors.device(device);
  }

  /** Opens the model and its tokenizer; the caller closes it. */
  public LanguageModel open() {
    return LanguageModel.open(directory(), device());
  }
}
