package dev.iclab.cli;

import ai.djl.Device;
import dev.iclab.tensor.Tensors;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --device}, {@code --download}: where a model runs, and whether a hub id is fetched. */
public class DeviceOptions {
  @Option(
      names = "--device",
      paramLabel = "cpu|gpu[:N]",
      description = "Where to run (default: cpu).")
  String device;

  @Option(
      names = "--download",
      description =
          "Fetch a hub id missing from the local cache from $HF_ENDPOINT (default"
              + " https://huggingface.co) into the cache first.")
  boolean download;

  /** --device as given, null when absent. */
  public String deviceName() {
    return device;
  }

  public Device device() {
    return device(device == null ? "cpu" : device);
  }

  /** The device a --device value names. */
  public static Device device(String name) {
    return Tensors.device(name);
  }

  /** Resolves a --model value to a directory (downloading it first with --download). */
  public Path resolve(String model) {
    return ModelResolution.resolve(model, download);
  }
}
