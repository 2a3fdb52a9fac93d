package dev.iclab.cli;

import dev.iclab.lm.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns a --model value into a model directory. */
final class ModelResolution {
  private ModelResolution() {}

  static Path resolve(String model, boolean download) {
    Path path = Path.of(model);
    if (Files.isDirectory(path)) {
      return path.toAbsolutePath().normalize();
    }
    throw new ModelLoadException(
        "model '%s' is neither a directory nor in the local Hugging Face cache".formatted(model));
  }
}
